// The client side of the propagation benchmark: N Switchyard SDK clients in one process,
// driven over IPC by fleet.mjs. It never talks to the REST API itself.
//
// Messages from the parent:
//   { type: 'clock', seq }                        -> { type: 'clock', seq, t }
//   { type: 'start', sdkKey, baseUrl, count, flagKey, batch, readyTimeoutMs }
//                                                 -> { type: 'ready', ... }   (adds `count` clients;
//                                                    may be sent again to add more)
//   { type: 'arm', id, expected, timeoutMs }      -> { type: 'armed', id }, later { type: 'done', id, ... }
//   { type: 'close' }                             -> { type: 'closed', ... } then exit
//
// All times are absolute milliseconds (now() of lib/time.mjs), the same clock the parent uses, so
// the parent can subtract its own timestamps from them.
import { createSilentLogger, init } from '@switchyard/sdk-node'
import { CONTEXT } from '../lib/flags.mjs'
import { now } from '../lib/time.mjs'

/** @type {import('@switchyard/sdk-node').SwitchyardClient[]} */
let clients = []
let flagKey = ''
let errors = 0
let strayChanges = 0
/** The flip being measured, or null between flips. */
let armed = null
let closing = false

function send(message) {
  if (process.connected) process.send(message)
}

function onChange(index, client, event) {
  if (event.key !== flagKey) return
  const flip = armed
  if (flip === null) {
    strayChanges++
    return
  }
  if (flip.times[index] !== 0) return // a second change for the same flip: keep the first
  flip.times[index] = now()
  // The change event fires after the store is updated: the new value must be served already.
  if (client.variation(flagKey, CONTEXT, !flip.expected) !== flip.expected) flip.wrong++
  if (++flip.seen === clients.length) finish(flip)
}

function finish(flip) {
  if (armed !== flip) return
  armed = null
  clearTimeout(flip.timer)
  const cpu = process.cpuUsage(flip.cpu)
  const times = Array.from(flip.times, (t) => (t === 0 ? null : t))
  send({
    type: 'done',
    id: flip.id,
    times,
    seen: flip.seen,
    wrong: flip.wrong,
    cpuMs: (cpu.user + cpu.system) / 1000,
  })
}

async function start({ sdkKey, baseUrl, count, flagKey: key, batch, readyTimeoutMs }) {
  flagKey = key
  const rssBefore = process.memoryUsage().rss
  const started = performance.now()
  let failed = 0
  let firstError = null
  const logger = createSilentLogger()
  // Connect in batches, so 1,000 handshakes do not all queue behind one another at once.
  for (let offset = 0; offset < count; offset += batch) {
    const waits = []
    for (let n = offset; n < Math.min(count, offset + batch); n++) {
      const i = clients.length
      const client = init({ sdkKey, baseUrl, logger })
      client.on('change', (event) => onChange(i, client, event))
      client.on('error', () => errors++)
      clients.push(client)
      waits.push(client.waitForReady({ timeoutMs: readyTimeoutMs }))
    }
    for (const result of await Promise.allSettled(waits)) {
      if (result.status === 'rejected') {
        failed++
        firstError ??= String(result.reason?.message ?? result.reason)
      }
    }
  }
  const streaming = clients.filter((c) => c.connectionState === 'streaming').length
  send({
    type: 'ready',
    count: clients.length,
    failed,
    firstError,
    streaming,
    errors,
    connectMs: performance.now() - started,
    rssBefore,
    rssAfter: process.memoryUsage().rss,
  })
}

function arm({ id, expected, timeoutMs }) {
  if (armed) finish(armed)
  const flip = {
    id,
    expected,
    times: new Float64Array(clients.length), // 0 = not seen yet
    seen: 0,
    wrong: 0,
    cpu: process.cpuUsage(),
    timer: undefined,
  }
  flip.timer = setTimeout(() => finish(flip), timeoutMs)
  armed = flip
  send({ type: 'armed', id })
}

async function close() {
  closing = true
  if (armed) finish(armed)
  const streaming = clients.filter((c) => c.connectionState === 'streaming').length
  const started = performance.now()
  await Promise.all(clients.map((c) => c.close()))
  send({ type: 'closed', streaming, errors, strayChanges, closeMs: performance.now() - started })
  process.disconnect?.()
  // why: exit even if a socket lingers; every client has been closed above
  setTimeout(() => process.exit(0), 50)
}

process.on('message', (message) => {
  switch (message?.type) {
    case 'clock':
      send({ type: 'clock', seq: message.seq, t: now() })
      return
    case 'start':
      start(message).catch((error) => {
        send({ type: 'fatal', error: String(error?.stack ?? error) })
        process.exit(1)
      })
      return
    case 'arm':
      arm(message)
      return
    case 'close':
      void close()
      return
  }
})

// The parent went away (crashed or was killed): do not linger with 1,000 open sockets.
process.on('disconnect', () => {
  if (!closing) process.exit(1)
})
