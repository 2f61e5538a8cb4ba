// The SDK client fleet: clients.mjs forked as its own process and driven over IPC. This side
// sends it commands and waits for their answers; clients.mjs lists the messages.
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { now, sleep } from '../lib/time.mjs'

const CLIENTS_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'clients.mjs')
export const CONNECT_BATCH = 100

/** Forks the clients process (with `nodeArgs`), tracked by the run guard. */
export function startFleet(nodeArgs, guard) {
  const child = fork(CLIENTS_ENTRY, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: nodeArgs,
  })
  guard.track({
    killHard: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  })
  const waiting = new Map() // key -> { resolve, reject, timer }
  let closing = false
  child.on('message', (message) => {
    if (message.type === 'fatal') return guard.fail('clients process failed', message.error)
    const key =
      message.id !== undefined
        ? `${message.type}:${message.id}`
        : message.seq !== undefined
          ? `${message.type}:${message.seq}`
          : message.type
    const waiter = waiting.get(key)
    if (!waiter) return
    waiting.delete(key)
    clearTimeout(waiter.timer)
    waiter.resolve(message)
  })
  child.once('exit', (code, signal) => {
    if (!closing) guard.fail(`clients process exited unexpectedly (code ${code}, signal ${signal})`)
  })

  /** Resolves with the clients process's next message of `key` ("type" or "type:id"). */
  const reply = (key, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(key)
        reject(new Error(`no '${key}' from the clients process within ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(key, { resolve, reject, timer })
    })
  const ask = (message, key, timeoutMs) => {
    const answer = reply(key, timeoutMs)
    child.send(message)
    return answer
  }

  return {
    pid: child.pid,

    /** Offset of the clients process's clock from ours, from the IPC round trip with the smallest RTT. */
    async measureClockOffset(rounds = 30) {
      let best = null
      for (let seq = 0; seq < rounds; seq++) {
        const t0 = now()
        const { t } = await ask({ type: 'clock', seq }, `clock:${seq}`, 5_000)
        const t2 = now()
        const rtt = t2 - t0
        if (!best || rtt < best.rttMs) best = { rttMs: rtt, offsetMs: t - (t0 + t2) / 2 }
      }
      return best
    },

    /** Adds `count` clients and resolves once every one of them is ready; throws if any is not. */
    async connect({ sdkKey, baseUrl, flagKey, count }) {
      const ready = await ask(
        {
          type: 'start',
          sdkKey,
          baseUrl,
          count,
          flagKey,
          batch: CONNECT_BATCH,
          readyTimeoutMs: 30_000,
        },
        'ready',
        120_000,
      )
      if (ready.failed > 0)
        throw new Error(
          `${ready.failed} of ${count} clients did not become ready: ${ready.firstError}`,
        )
      return ready
    },

    /** Starts timing flip `id`: resolves once armed, with `done`, the promise of its result. */
    async arm({ id, expected, timeoutMs }) {
      await ask({ type: 'arm', id, expected, timeoutMs }, `armed:${id}`, 5_000)
      return { done: reply(`done:${id}`, timeoutMs + 5_000) }
    },

    /** Closes every client (close code 1000) and ends the process; resolves with its report. */
    async close() {
      if (child.exitCode !== null) return null
      closing = true
      const exited = new Promise((resolve) => child.once('exit', resolve))
      try {
        const closed = await ask({ type: 'close' }, 'closed', 15_000)
        await Promise.race([exited, sleep(5_000)])
        return closed
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL')
      }
    },
  }
}

/** The fleet's readiness after connecting in two steps (`second` is `first` if there was one). */
export function joinReady(first, second) {
  return {
    ...second,
    connectMs: first.connectMs + (second === first ? 0 : second.connectMs),
    rssBefore: first.rssBefore,
  }
}
