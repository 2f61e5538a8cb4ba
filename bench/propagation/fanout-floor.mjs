// Fan-out floor: what delivering one small message to N loopback sockets costs on this machine,
// with no Switchyard code at all. It puts the propagation benchmark's figures in context.
//
//   node bench/propagation/fanout-floor.mjs            # N=1000, 30 rounds per variant
//   CLIENTS=1000 ROUNDS=30 node bench/propagation/fanout-floor.mjs
//
// One process holds the server ends and writes the message to every socket in a loop (as
// StreamHub.broadcast does); a second process per variant holds the client ends, parses each
// message and timestamps its arrival. Per round: the send loop's duration and the last arrival,
// measured from the start of the loop. All variants stay connected and their rounds interleave,
// so a burst of other work on the machine does not land on one variant only. Variants:
//   tcp                 raw TCP: one pre-built WebSocket frame, socket.write() per socket
//   ws string           ws server, ws.send(json string) per socket (the hub before 2738803)
//   ws buffer           ws server, the JSON encoded to a Buffer once, ws.send(buffer) per socket
//   ws frame            ws server, the frame built once, written to each ws's raw socket
//                       (what server/src/stream/hub.ts does)
// The payload is a real `patch` message for a boolean flag (about 230 bytes).
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import net from 'node:net'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { now, sleep } from '../lib/time.mjs'

// ws is a dependency of the server and the SDK, not of the bench: resolve it from the server.
const require = createRequire(fileURLToPath(new URL('../../server/package.json', import.meta.url)))
const { WebSocket, WebSocketServer } = require('ws')

const N = Number(process.env.CLIENTS ?? 1000)
const ROUNDS = Number(process.env.ROUNDS ?? 30)
const WARMUP = 5

const JSON_MESSAGE = JSON.stringify({
  type: 'patch',
  version: 42,
  flag: {
    key: 'bench-kill-switch',
    version: 7,
    on: false,
    variations: [true, false],
    offVariation: 1,
    fallthrough: { variation: 0 },
    targets: [],
    rules: [],
    prerequisites: [],
    salt: '0123456789abcdef',
  },
})

function frameOnce(json) {
  const [header, data] = WebSocket.Sender.frame(Buffer.from(json), {
    fin: true,
    rsv1: false,
    opcode: 1,
    mask: false,
    readOnly: true,
  })
  return Buffer.concat([header, data])
}

// ---------------------------------------------------------------- the receiving process

async function receiver(mode, port) {
  let times = null
  let seen = 0
  let open = 0
  const arrived = (i, text) => {
    if (times === null || times[i] !== 0) return
    JSON.parse(text)
    times[i] = now()
    if (++seen === N) {
      process.send({ type: 'done', times: Array.from(times) })
      times = null
    }
  }
  const opened = () => {
    if (++open === N) process.send({ type: 'ready' })
  }
  for (let i = 0; i < N; i++) {
    if (mode === 'tcp') {
      const socket = net.connect(Number(port), '127.0.0.1', opened)
      socket.setNoDelay(true)
      // a small frame arrives in one read on loopback; skip its header (2, 4 or 10 bytes)
      socket.on('data', (chunk) => {
        const length = chunk[1] & 0x7f
        arrived(i, chunk.toString('utf8', length === 126 ? 4 : length === 127 ? 10 : 2))
      })
    } else {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false })
      ws.on('open', opened)
      ws.on('message', (data) => arrived(i, data.toString()))
    }
    if (i % 100 === 99) await sleep(20)
  }
  process.on('message', (message) => {
    if (message.type === 'arm') {
      times = new Float64Array(N)
      seen = 0
      process.send({ type: 'armed' })
    } else process.exit(0)
  })
}

// ---------------------------------------------------------------- the sending process

const VARIANTS = {
  tcp: {
    server: 'tcp',
    send: (sockets) => {
      const frame = frameOnce(JSON_MESSAGE)
      for (const socket of sockets) socket.write(frame)
    },
  },
  'ws string': {
    server: 'ws',
    send: (sockets) => {
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(JSON_MESSAGE)
    },
  },
  'ws buffer': {
    server: 'ws',
    send: (sockets) => {
      const data = Buffer.from(JSON_MESSAGE)
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data, { binary: false })
    },
  },
  'ws frame': {
    server: 'ws',
    send: (sockets) => {
      const frame = frameOnce(JSON_MESSAGE)
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws._socket.write(frame)
    },
  },
}

async function listen(kind) {
  const sockets = []
  if (kind === 'tcp') {
    const server = net.createServer((socket) => {
      socket.setNoDelay(true)
      sockets.push(socket)
    })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { port: server.address().port, sockets, close: () => server.close() }
  }
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  wss.on('connection', (ws) => sockets.push(ws))
  await new Promise((resolve) => wss.once('listening', resolve))
  return { port: wss.address().port, sockets, close: () => wss.close() }
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

/** Starts a variant's server and its receiving process; resolves once every client is open. */
async function setUp(name, variant) {
  const server = await listen(variant.server)
  const child = fork(fileURLToPath(import.meta.url), [
    'receiver',
    variant.server,
    String(server.port),
  ])
  const next = (type) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no ${type} within 30 s`)), 30_000)
      const onMessage = (message) => {
        if (message.type !== type) return
        child.off('message', onMessage)
        clearTimeout(timer)
        resolve(message)
      }
      child.on('message', onMessage)
    })
  await next('ready')
  return { name, variant, server, child, next, loops: [], lasts: [] }
}

async function round(setup, measured) {
  const { child, next, variant, server } = setup
  child.send({ type: 'arm' })
  await next('armed')
  const done = next('done')
  const t0 = now()
  variant.send(server.sockets)
  const t1 = now()
  const { times } = await done
  if (measured) {
    setup.loops.push(t1 - t0)
    setup.lasts.push(Math.max(...times) - t0)
  }
}

function tearDown({ child, server }) {
  child.send({ type: 'exit' })
  for (const socket of server.sockets) {
    if (typeof socket.terminate === 'function') socket.terminate()
    else socket.destroy()
  }
  server.close()
}

function report({ name, loops, lasts }) {
  const f = (x) => x.toFixed(1).padStart(8)
  console.log(
    `  ${name.padEnd(10)}${f(quantile(loops, 0.5))}${f(quantile(loops, 0.9))}${f(Math.max(...loops))}` +
      `${f(quantile(lasts, 0.5))}${f(quantile(lasts, 0.9))}${f(Math.max(...lasts))}`,
  )
}

if (process.argv[2] === 'receiver') {
  await receiver(process.argv[3], process.argv[4])
} else {
  const limit = setTimeout(() => {
    console.error('fanout-floor: did not finish within 170 s')
    process.exit(1)
  }, 170_000)
  limit.unref()
  console.log(
    `Fan-out floor: ${N} loopback sockets, ${ROUNDS} rounds per variant, ${availableParallelism()} cpus, node ${process.version}`,
  )
  console.log(`  ${JSON_MESSAGE.length}-byte message; ms from the start of the send loop`)
  console.log(`  variant      loop p50  loop p90 loop max last p50 last p90 last max`)
  // Every variant is connected at once and the rounds interleave (one round of each in turn), so
  // load from elsewhere on the machine falls on all variants alike.
  const setups = []
  for (const [name, variant] of Object.entries(VARIANTS)) setups.push(await setUp(name, variant))
  await sleep(500)
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    for (const setup of setups) {
      await round(setup, r >= WARMUP)
      await sleep(100)
    }
  }
  for (const setup of setups) report(setup)
  for (const setup of setups) tearDown(setup)
  process.exit(0)
}
