// What the benchmarks share: options from arguments or the environment, free ports, the built
// server as a child process (start, readiness, SIGTERM then SIGKILL), REST calls with a bearer
// token, nearest-rank statistics, scratch Postgres databases, and what was measured (git, load).
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const SERVER_ENTRY = join(ROOT, 'server', 'dist', 'main.js')

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
export const round = (x, digits = 2) =>
  x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits

// ---------------------------------------------------------------- options

/** `--name value`, `--name=value`, else the environment variable, else `fallback`. */
export function option(name, envName, fallback) {
  const args = process.argv.slice(2)
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && i + 1 < args.length) return args[i + 1]
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3)
  }
  const fromEnv = envName ? process.env[envName] : undefined
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback
}

/** An integer option of at least `min`; anything else ends the process with exit code 2. */
export function intOption(name, envName, fallback, min) {
  const raw = option(name, envName, String(fallback))
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    console.error(
      `--${name}${envName ? ` / ${envName}` : ''} must be an integer >= ${min}, got ${raw}`,
    )
    process.exit(2)
  }
  return value
}

/** A flag without a value (`--name`), or the environment variable set to 1/true. */
export function flagOption(name, envName) {
  if (process.argv.slice(2).includes(`--${name}`)) return true
  const fromEnv = envName ? process.env[envName] : undefined
  return fromEnv === '1' || fromEnv === 'true'
}

// ---------------------------------------------------------------- processes

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

export async function waitUntilUp(url, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url)
      if (res.ok) return res
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error(`${what} not ready within ${timeoutMs / 1000} s`)
}

/**
 * Spawns a child that keeps the last 64 KB of its output. `onUnexpectedExit(code, signal)` runs
 * when it exits before `stop()` was called.
 */
export function spawnKept(command, args, { env, ipc = false, onUnexpectedExit } = {}) {
  const child = spawn(command, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-65536)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const handle = {
    child,
    output: () => output,
    exited,
    stopping: false,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited and how long it took. */
    async stop(graceMs) {
      handle.stopping = true
      const started = performance.now()
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const hard = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const { code, signal } = await exited
      clearTimeout(hard)
      return { code, signal, ms: Math.round(performance.now() - started) }
    },
    killHard() {
      handle.stopping = true
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
  child.once('exit', (code, signal) => {
    if (!handle.stopping) onUnexpectedExit?.(code, signal)
  })
  return handle
}

/**
 * Starts the built server (server/dist/main.js) on a free port of 127.0.0.1 and waits for
 * /readyz. Without `databaseUrl` it gets PGlite in a new temp directory, removed by `cleanUp()`.
 * `nodeArgs` go before the entry (e.g. a preload), `env` is added to the server's environment.
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

// ---------------------------------------------------------------- REST

/** call(method, path, body) against `baseUrl` with the token: { status, body (parsed JSON) }. */
export function restClient(baseUrl, token) {
  return async (method, path, body) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
}

export async function expectStatus(promise, status, what) {
  const res = await promise
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

// ---------------------------------------------------------------- statistics

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/** min, p50, p90, p99, max, mean and n of the values that are not null. */
export function summarize(values) {
  const sorted = Float64Array.from(values.filter((v) => v !== null && v !== undefined)).sort()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    n: sorted.length,
    min: round(sorted[0] ?? null),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? null),
    mean: round(sorted.length ? sum / sorted.length : null),
  }
}

// ---------------------------------------------------------------- scratch Postgres databases

// postgres.js is a dependency of the server, not of the bench: resolve it from there.
const requireFromServer = createRequire(join(ROOT, 'server', 'package.json'))

/**
 * Creates a database `sy_bench_<random>` on the server of `url` (any database there that the
 * user can connect to) and returns its URL and `drop()`, which removes it, ending connections
 * still open to it (Postgres 13+).
 */
export async function createScratchDatabase(url) {
  const postgres = requireFromServer('postgres')
  const name = `sy_bench_${randomBytes(4).toString('hex')}`
  const admin = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 })
  try {
    await admin.unsafe(`create database "${name}"`)
  } finally {
    await admin.end({ timeout: 2 })
  }
  const scratch = new URL(url)
  scratch.pathname = `/${name}`
  let dropped = false
  return {
    name,
    url: scratch.toString(),
    async drop() {
      if (dropped) return
      dropped = true
      const admin = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 })
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`)
      } finally {
        await admin.end({ timeout: 2 })
      }
    },
  }
}

// ---------------------------------------------------------------- what was measured

/** The commit measured, and whether the working tree differed from it. */
export function gitState() {
  try {
    const git = (...args) =>
      execFileSync('git', args, {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim()
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no').length > 0,
    }
  } catch {
    return null
  }
}

export function uptimeLine() {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim()
  } catch {
    return `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}`
  }
}
