// The built server (server/dist/main.js) as a child process of a benchmark.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SERVER_ENTRY } from './paths.mjs'
import { freePort, spawnKept, waitUntilUp } from './processes.mjs'

/**
 * Starts the built server (server/dist/main.js) on a free port of 127.0.0.1 and waits for
 * /readyz. Without `databaseUrl` it gets PGlite in a new temp directory, removed by `cleanUp()`.
 * `nodeArgs` go before the entry (e.g. a preload), `env` is added to the server's environment.
 * `onSpawn(handle)` runs as soon as the process exists, before it is ready (to track it).
 * Resolves with the handle, its `url`, its `pid`, and `ready` (the /readyz body).
 */
export async function startServer({
  adminToken,
  databaseUrl,
  dataDirPrefix = 'sy-bench-',
  nodeArgs = [],
  env = {},
  ipc = false,
  onUnexpectedExit,
  onSpawn,
}) {
  const port = await freePort()
  const serverEnv = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SWITCHYARD_ADMIN_TOKEN: adminToken,
    ...env,
  }
  let dataDir = null
  if (databaseUrl) serverEnv.DATABASE_URL = databaseUrl
  else serverEnv.SWITCHYARD_DATA_DIR = dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix))
  if (process.env.NODE_OPTIONS) serverEnv.NODE_OPTIONS = process.env.NODE_OPTIONS
  const handle = spawnKept(process.execPath, [...nodeArgs, SERVER_ENTRY], {
    env: serverEnv,
    ipc,
    onUnexpectedExit,
  })
  handle.url = `http://127.0.0.1:${port}`
  handle.pid = handle.child.pid
  handle.cleanUp = () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    dataDir = null
  }
  onSpawn?.(handle)
  try {
    handle.ready = await (await waitUntilUp(`${handle.url}/readyz`, 'server', 60_000)).json()
  } catch (error) {
    handle.killHard()
    handle.cleanUp()
    throw error
  }
  return handle
}

/** Environment variables BENCH_SERVER_ENV_<NAME>=value, as { <NAME>: value }. */
export function serverEnvFromBenchEnv() {
  const env = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BENCH_SERVER_ENV_')) env[name.slice('BENCH_SERVER_ENV_'.length)] = value
  }
  return env
}
