// The built server (server/dist/main.js) as a child process of a benchmark.
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SERVER_ENTRY } from './paths.mjs'
import { freePort, spawnKept, waitUntilUp } from './processes.mjs'

/**
 * Starts the built server (server/dist/main.js) on a free port of 127.0.0.1 and waits for
 * /readyz. Without `databaseUrl` it gets PGlite in a new temp directory, removed by `cleanUp()`.
 * `entry` is the script to run (default server/dist/main.js: a patched copy can be measured the
 * same way). `nodeArgs` go before it (e.g. a preload), `env` is added to the server's environment.
 * With `logFile` the server's stdout (its JSON log) goes to that file, not through a pipe that
 * this process would have to read; the file's end is part of `output()`.
 * `onSpawn(handle)` runs as soon as the process exists, before it is ready (to track it).
 * Resolves with the handle, its `url`, its `pid`, and `ready` (the /readyz body).
 */
export async function startServer({
  adminToken,
  databaseUrl,
  entry = SERVER_ENTRY,
  dataDirPrefix = 'sy-bench-',
  nodeArgs = [],
  env = {},
  ipc = false,
  logFile,
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
  const stdoutFd = logFile ? openSync(logFile, 'w') : undefined
  let handle
  try {
    handle = spawnKept(process.execPath, [...nodeArgs, entry], {
      env: serverEnv,
      ipc,
      stdoutFd,
      onUnexpectedExit,
    })
  } finally {
    // the child holds its own copy of the descriptor
    if (stdoutFd !== undefined) closeSync(stdoutFd)
  }
  if (logFile) {
    const stderr = handle.output
    handle.output = () => `${fileTail(logFile, 4096)}${stderr()}`
  }
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

/** The last `bytes` of a file, as text ('' when it cannot be read). */
function fileTail(file, bytes) {
  try {
    const fd = openSync(file, 'r')
    try {
      const { size } = fstatSync(fd)
      const length = Math.min(bytes, size)
      const buffer = Buffer.alloc(length)
      readSync(fd, buffer, 0, length, size - length)
      return buffer.toString('utf8')
    } finally {
      closeSync(fd)
    }
  } catch {
    return ''
  }
}

/** Environment variables BENCH_SERVER_ENV_<NAME>=value, as { <NAME>: value }. */
export function serverEnvFromBenchEnv() {
  const env = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BENCH_SERVER_ENV_')) env[name.slice('BENCH_SERVER_ENV_'.length)] = value
  }
  return env
}
