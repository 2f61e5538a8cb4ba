// SDK receive cost: CPU time the Node SDK spends per stream message per client, with no
// Switchyard server in the way. A bare ws server (this process) sends the SDK's `put` on connect,
// then patches that flip a kill switch; a second process holds CLIENTS SDK clients (built
// sdk-node/dist) and measures its own CPU time (process.cpuUsage) from the first to the last
// `change` event of each round. What is left besides the SDK is ws's receiver and the sockets.
//
//   node bench/propagation/sdk-receive.mjs             # 1,000 clients, 40 rounds after 10 warm-up
//   CLIENTS=1000 ROUNDS=40 node bench/propagation/sdk-receive.mjs
//
// Each client's change listener calls variation() once, like the propagation benchmark's.
import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { sleep } from '../lib/time.mjs'

const require = createRequire(fileURLToPath(new URL('../../server/package.json', import.meta.url)))
const { WebSocketServer } = require('ws')

const N = Number(process.env.CLIENTS ?? 1000)
const ROUNDS = Number(process.env.ROUNDS ?? 40)
const WARMUP = 10
const FLAG_KEY = 'bench-kill-switch'

const flag = (on, version) => ({
  key: FLAG_KEY,
  kind: 'boolean',
  variations: [true, false],
  clientSide: false,
  version,
  on,
  offVariation: 1,
  targets: [],
  rules: [],
  fallthrough: { variation: 0 },
  prerequisites: [],
  salt: '0123456789abcdef',
})

// ---------------------------------------------------------------- the clients process

async function clients(port) {
  const { createSilentLogger, init } = await import('@switchyard/sdk-node')
  const logger = createSilentLogger()
  const list = []
  let round = null
  for (let i = 0; i < N; i++) {
    const client = init({ sdkKey: 'sy_srv_bench', baseUrl: `http://127.0.0.1:${port}`, logger })
    client.on('change', () => {
      if (round === null) return
      client.variation(FLAG_KEY, { key: 'bench-user' }, false)
      if (round.seen++ === 0) round.cpu = process.cpuUsage()
      if (round.seen === N) {
        const cpu = process.cpuUsage(round.cpu)
        process.send({ type: 'done', cpuUs: cpu.user + cpu.system })
        round = null
      }
    })
    list.push(client.waitForReady({ timeoutMs: 30_000 }))
    if (i % 100 === 99) await Promise.all(list.splice(0))
  }
  await Promise.all(list)
  process.on('message', (message) => {
    if (message.type === 'arm') {
      round = { seen: 0, cpu: null }
      process.send({ type: 'armed' })
    } else process.exit(0)
  })
  process.send({ type: 'ready' })
}

// ---------------------------------------------------------------- the server side

async function main() {
  const limit = setTimeout(() => {
    console.error('sdk-receive: did not finish within 170 s')
    process.exit(1)
  }, 170_000)
  limit.unref()
  let version = 1
  let on = true
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  wss.on('connection', (ws) =>
    ws.send(JSON.stringify({ type: 'put', version, flags: [flag(on, version)], segments: [] })),
  )
  await new Promise((resolve) => wss.once('listening', resolve))
  const child = fork(fileURLToPath(import.meta.url), ['clients', String(wss.address().port)])
  const next = (type) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} within 60 s`)), 60_000)
      const onMessage = (message) => {
        if (message.type !== type) return
        child.off('message', onMessage)
        clearTimeout(timer)
        resolve(message)
      }
      child.on('message', onMessage)
    })
  await next('ready')
  await sleep(500)
  const perMessage = []
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    child.send({ type: 'arm' })
    await next('armed')
    const done = next('done')
    version++
    on = !on
    const data = Buffer.from(JSON.stringify({ type: 'patch', version, flag: flag(on, version) }))
    for (const ws of wss.clients) ws.send(data, { binary: false })
    const { cpuUs } = await done
    if (r >= WARMUP) perMessage.push(cpuUs / N)
    await sleep(100)
  }
  child.send({ type: 'exit' })
  for (const ws of wss.clients) ws.terminate()
  wss.close()
  perMessage.sort((a, b) => a - b)
  const q = (p) =>
    perMessage[Math.min(perMessage.length - 1, Math.ceil(p * perMessage.length) - 1)].toFixed(1)
  console.log(
    `SDK receive: ${N} clients, ${ROUNDS} rounds, ${availableParallelism()} cpus, node ${process.version}\n` +
      `  clients-process CPU per patch per client (µs): p10 ${q(0.1)}  p50 ${q(0.5)}  p90 ${q(0.9)}`,
  )
  process.exit(0)
}

if (process.argv[2] === 'clients') await clients(process.argv[3])
else await main()
