// The SDK client fleet, in this process: clients connected in batches, and flips armed on them:
// each client's time of the 'change' event showing the expected value of the flag.
import { createSilentLogger, init } from '@switchyard/sdk-node'
import { CONTEXT } from '../lib/flags.mjs'
import { round } from '../lib/stats.mjs'
import { now } from '../lib/time.mjs'
import { FLAG_KEY } from './kill-switch.mjs'

const CONNECT_BATCH = 100

/** An empty fleet whose clients the run guard closes on failure. */
export function createFleet(guard) {
  /** @type {import('@switchyard/sdk-node').SwitchyardClient[]} */
  const clients = []
  /** The flip being waited for: every client's time of the 'change' showing `expected`. */
  let armed = null
  const counts = { strayChanges: 0, clientErrors: 0 }
  guard.track({ killHard: () => clients.forEach((c) => void c.close()) })

  function onChange(index, client, event) {
    if (event.key !== FLAG_KEY) return
    const flip = armed
    if (flip === null) {
      counts.strayChanges++
      return
    }
    if (flip.times[index] !== 0) return
    // The change event fires after the store is updated: the new value is served already.
    if (client.variation(FLAG_KEY, CONTEXT, !flip.expected) !== flip.expected) return
    flip.times[index] = now()
    if (++flip.seen === clients.length) flip.done()
  }

  return {
    clients,
    counts,

    /** Connects `count` clients, all streaming; resolves with how long it took, in ms. */
    async connect({ sdkKey, baseUrl, count }) {
      const logger = createSilentLogger()
      const started = now()
      for (let offset = 0; offset < count; offset += CONNECT_BATCH) {
        const waits = []
        for (let i = offset; i < Math.min(count, offset + CONNECT_BATCH); i++) {
          const client = init({ sdkKey, baseUrl, logger })
          client.on('change', (event) => onChange(i, client, event))
          client.on('error', () => counts.clientErrors++)
          clients.push(client)
          waits.push(client.waitForReady({ timeoutMs: 20_000 }))
        }
        await Promise.all(waits)
      }
      const streaming = clients.filter((c) => c.connectionState === 'streaming').length
      if (streaming !== clients.length)
        throw new Error(`only ${streaming} of ${clients.length} clients are streaming`)
      return round(now() - started)
    },

    servingEverywhere: (value) =>
      clients.every((c) => c.variation(FLAG_KEY, CONTEXT, !value) === value),

    /** Starts waiting for every client to serve `expected`. */
    arm(expected) {
      const flip = { expected, times: new Float64Array(clients.length), seen: 0, done: () => {} }
      flip.complete = new Promise((resolve) => (flip.done = resolve))
      armed = flip
      return flip
    },

    /** Waits until every client has seen the flip; false on timeout. */
    async settle(flip, timeoutMs) {
      let timer
      const ok = await Promise.race([
        flip.complete.then(() => true),
        new Promise((r) => (timer = setTimeout(() => r(false), timeoutMs))),
      ])
      clearTimeout(timer)
      if (armed === flip) armed = null
      return ok
    },

    /** Stops waiting for the armed flip. */
    disarm() {
      armed = null
    },

    close: () => Promise.all(clients.map((c) => c.close())),
  }
}
