// The processes of a run: the Switchyard server (on PGlite, Postgres or a scratch database), the
// bare node:http floor, and the load generator. Every one is tracked by the run guard, and
// stop() ends them all and removes what they left.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, spawnKept, waitUntilUp } from '../lib/processes.mjs'
import { createGuardedScratchDatabase } from '../lib/scratch-database.mjs'
import { serverEnvFromBenchEnv, startServer } from '../lib/server.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
export const ADMIN_TOKEN = 'sy_tok_bench-admin-token-0123456789'

/**
 * Starts the scratch database (with --scratch-db), the server with its log in a temp file and the
 * load generator. Resolves with `{ server, floor, load, scratch, logFile, startFloor(keys),
 * stop() }`; `floor` is null until startFloor() has started it, accepting the SDK keys `keys`.
 */
export async function startTargets(options, guard) {
  const tempDir = mkdtempSync(join(tmpdir(), 'sy-ofrep-'))
  guard.track({ cleanUp: () => rmSync(tempDir, { recursive: true, force: true }) })
  const started = []
  let stopping = false
  const unexpected = (label) => (code, signal) => {
    if (!stopping) guard.fail(`${label} exited unexpectedly (code ${code}, signal ${signal})`)
  }
  const track = (handle, label) => {
    started.push(handle)
    guard.track(Object.assign(handle, { label }))
    return handle
  }

  let databaseUrl = options.databaseUrl
  let scratch = null
  if (options.scratchDb) {
    scratch = await createGuardedScratchDatabase(options.databaseUrl, guard, () =>
      Promise.all(started.map((p) => p.exited)),
    )
    databaseUrl = scratch.url
    console.log(`scratch database ${scratch.name}`)
  }

  // The server's log goes to a file: as deployed, at its own level (info unless --log-level),
  // without a pipe that this process would have to drain at tens of thousands of lines a second.
  const logFile = options.serverLog ?? join(tempDir, 'server.log')
  const server = await startServer({
    adminToken: ADMIN_TOKEN,
    databaseUrl,
    entry: options.serverEntry,
    dataDirPrefix: 'sy-ofrep-',
    nodeArgs: options.nodeArgs,
    env: { LOG_LEVEL: options.logLevel, ...serverEnvFromBenchEnv() },
    logFile,
    onUnexpectedExit: unexpected('server'),
    onSpawn: (handle) => track(handle, 'server'),
  })

  const load = track(
    spawnKept(process.execPath, [join(HERE, 'load.mjs')], {
      env: { PATH: process.env.PATH ?? '' },
      ipc: true,
      onUnexpectedExit: unexpected('load generator'),
    }),
    'load generator',
  )
  load.pid = load.child.pid
  load.run = loadRunner(load.child)
  await load.run.ready

  const targets = {
    server,
    floor: null,
    load,
    scratch,
    logFile,
    async startFloor(keys) {
      const port = await freePort()
      const floor = track(
        spawnKept(process.execPath, [join(HERE, 'floor.mjs')], {
          env: { PATH: process.env.PATH ?? '', PORT: String(port), FLOOR_KEYS: keys.join(',') },
          onUnexpectedExit: unexpected('floor'),
        }),
        'floor',
      )
      floor.url = `http://127.0.0.1:${port}`
      floor.pid = floor.child.pid
      await waitUntilUp(`${floor.url}/healthz`, 'floor', 10_000)
      targets.floor = floor
    },
    /** SIGTERM to every process (the server's exit is returned), then the temp files and database go. */
    async stop() {
      stopping = true
      const [serverStopped] = await Promise.all(started.map((p) => p.stop(15_000)))
      server.cleanUp()
      rmSync(tempDir, { recursive: true, force: true })
      if (scratch) await scratch.drop()
      return serverStopped
    },
  }
  return targets
}

/** run(request, { connections, durationS }): autocannon's result from the load generator. */
function loadRunner(child) {
  const waiters = new Map()
  let seq = 0
  let readyResolve
  const ready = new Promise((resolve) => (readyResolve = resolve))
  child.on('message', (message) => {
    if (message?.type === 'ready') return readyResolve()
    const waiter = waiters.get(message?.seq)
    if (!waiter) return
    waiters.delete(message.seq)
    if (message.type === 'result') waiter.resolve(message.result)
    else waiter.reject(new Error(`load generator: ${message.message}`))
  })
  const run = (request, { connections, durationS }) =>
    new Promise((resolve, reject) => {
      const id = ++seq
      waiters.set(id, { resolve, reject })
      child.send({ type: 'run', seq: id, ...request, connections, durationS })
    })
  run.ready = ready
  return run
}
