// The server side of a run: the scratch database, replica A (REST writes) and replica B (the SDK
// connections; with one replica A is both), the memory probe preloaded into them, and stopping it
// all. Every process and the database are tracked by the run guard.
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { restClient } from '../lib/rest.mjs'
import { createScratchDatabase } from '../lib/scratch-database.mjs'
import { serverEnvFromBenchEnv, startServer } from '../lib/server.mjs'

const PROBE_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'server-probe.mjs')
const ADMIN_TOKEN = 'sy_tok_bench-admin-token-0123456789'

/**
 * Starts the run's server(s) on options.databaseUrl (or a scratch database on its server, or
 * PGlite). Resolves with `writer` (A), `streamer` (B), `all`, `scratch`, `call` (REST on A),
 * `probeMemory(gc)`, `readyz()` (B's /readyz body) and `stop()`.
 */
export async function startServers(options, guard) {
  let databaseUrl = options.databaseUrl
  let scratch = null
  let scratchDropped = false
  const all = []
  let stopping = false
  if (options.scratchDb) {
    scratch = await createScratchDatabase(options.databaseUrl)
    databaseUrl = scratch.url
    guard.track({
      // The servers are gone (SIGKILL): drop the scratch database, then leave.
      release: () =>
        Promise.all(all.map((s) => s.exited))
          .then(() => scratch.drop())
          .then(() => (scratchDropped = true))
          .catch((e) =>
            console.error(`could not drop the scratch database ${scratch.name}: ${e.message}`),
          ),
      atExit: () => {
        if (!scratchDropped)
          console.error(
            `note: the scratch database ${scratch.name} may be left behind: dropdb -h 127.0.0.1 -U postgres ${scratch.name}`,
          )
      },
    })
    console.log(`scratch database ${scratch.name}`)
  }

  // The probe only answers memory questions over IPC (see server-probe.mjs); main.js is unchanged.
  const start = (label) =>
    startServer({
      adminToken: ADMIN_TOKEN,
      databaseUrl,
      nodeArgs: [...options.nodeArgs, '--expose-gc', '--import', pathToFileURL(PROBE_ENTRY).href],
      env: serverEnvFromBenchEnv(),
      ipc: true,
      onUnexpectedExit: (code, signal) => {
        if (!stopping)
          guard.fail(`server ${label} exited unexpectedly (code ${code}, signal ${signal})`)
      },
      onSpawn: (handle) => {
        all.push(handle)
        guard.track(
          Object.assign(handle, { label: options.replicas === 2 ? `server ${label}` : 'server' }),
        )
      },
    })
  // One after the other: the second start finds the migrations applied.
  const writer = await start('A')
  const streamer = options.replicas === 2 ? await start('B') : writer

  return {
    writer,
    streamer,
    all,
    scratch,
    call: restClient(writer.url, ADMIN_TOKEN),
    probeMemory: memoryProbe(streamer.child),
    readyz: async () => (await fetch(`${streamer.url}/readyz`)).json(),
    /** SIGTERM to every server, then their data dirs and the scratch database go. */
    async stop() {
      stopping = true
      const stopped = await Promise.all(all.map((s) => s.stop(15_000)))
      for (const s of all) s.cleanUp()
      if (scratch) {
        await scratch.drop()
        scratchDropped = true
      }
      return stopped
    },
  }
}

/** probe(gc): the server's own memory figures, after a full GC when `gc` (see server-probe.mjs). */
function memoryProbe(child) {
  const waiters = new Map()
  let seq = 0
  child.on('message', (message) => {
    if (message?.type !== 'bench:memory') return
    waiters.get(message.seq)?.(message)
    waiters.delete(message.seq)
  })
  return (gc) => {
    const id = ++seq
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(id)
        reject(new Error('the server memory probe did not answer within 10 s'))
      }, 10_000)
      waiters.set(id, (message) => {
        clearTimeout(timer)
        resolve(message)
      })
      child.send({ type: 'bench:memory', seq: id, gc })
    })
  }
}
