// Child processes of a benchmark: free ports, readiness over HTTP, and a child that keeps the end
// of its output and stops with SIGTERM, then SIGKILL.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { sleep } from './time.mjs'

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
 * when it exits before `stop()` was called. With `stdoutFd` (an open file) its stdout goes
 * there instead, unread, and only its stderr is kept.
 */
export function spawnKept(command, args, { env, ipc = false, stdoutFd, onUnexpectedExit } = {}) {
  const child = spawn(command, args, {
    env,
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-65536)
  }
  child.stdout?.on('data', keep)
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
