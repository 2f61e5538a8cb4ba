// Alert-to-SDK latency benchmark.
//
// An alert posted to a real Prometheus Alertmanager (Debian's prometheus-alertmanager) reaches a
// Switchyard trigger ({action: 'kill', format: 'alertmanager'}) through Alertmanager's webhook
// notifier, the server kills the flag, and every connected SDK serves the off variation. This
// measures, per alert, the time from the POST to Alertmanager's /api/v2/alerts to the first and
// to the last SDK client's 'change' event showing the flag off.
//
// Alertmanager runs with group_wait: 0s and group_by: ['alertname'], and every alert has a new
// alertname, so each alert opens a new aggregation group that is dispatched at once: the figures
// exclude the group_wait a production route would add on top (docs/triggers.md uses 10s).
//
// As a reference, the same loop also posts the Alertmanager-shaped webhook body straight to a
// second trigger's URL (no Alertmanager): the difference is what Alertmanager's dispatch adds.
// The two paths are interleaved (their order alternates), so load drift hits both alike.
// A second webhook_configs entry in the same Alertmanager receiver points at a recorder in this
// process, which timestamps when Alertmanager's notification goes out (the "dispatch" column).
//
//   npm run bench:alert                              # builds first; PGlite in a temp dir
//   node bench/alert/run.mjs --clients 100 --iterations 20
//   DATABASE_URL=postgres://... node bench/alert/run.mjs
//
// Options (argument, or environment variable):
//   --clients N        CLIENTS            SDK clients, in this process (default 100)
//   --iterations N     ITERATIONS         measured alerts per path (default 20)
//   --warmup N         WARMUP             alerts per path run first and reported apart (default 2)
//   --database-url U   DATABASE_URL       Postgres instead of PGlite (default: PGlite, temp data dir)
//   --timeout MS       BENCH_TIMEOUT_MS   whole-run limit; everything is killed after it, exit 1 (default 180000)
//   --out FILE         BENCH_OUT          results file (default bench/results/alert-<timestamp>.json)
//   --alertmanager P   ALERTMANAGER_BIN   (default /usr/bin/prometheus-alertmanager)
//
// Everything listens on 127.0.0.1. All timestamps are read in this one process: the SDK clients,
// the REST and alert calls and the webhook recorder all live here.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSilentLogger, init } from '@switchyard/sdk-node'
import { uptimeLine } from '../lib/machine.mjs'
import { intOption, option } from '../lib/options.mjs'
import { SERVER_ENTRY } from '../lib/paths.mjs'
import { freePort, spawnKept, waitUntilUp } from '../lib/processes.mjs'
import { expectStatus, restClient } from '../lib/rest.mjs'
import { defaultResultsFile, writeResults } from '../lib/results-file.mjs'
import { startServer as startBenchServer } from '../lib/server.mjs'
import { round as roundTo, summarize } from '../lib/stats.mjs'
import { guardRun } from '../lib/run-guard.mjs'
import { now, sleep } from '../lib/time.mjs'

const ADMIN_TOKEN = 'sy_tok_bench-alert-admin-0123456789'
const ENV = 'production'
const CONTEXT = { key: 'bench-user' }
const ITERATION_TIMEOUT_MS = 10_000
const PAUSE_MS = 100 // after the restore has reached every client, before the next alert
const CONNECT_BATCH = 100

const round2 = (x) => roundTo(x)

// ---------------------------------------------------------------- options

const options = {
  clients: intOption('clients', 'CLIENTS', 100, 1),
  iterations: intOption('iterations', 'ITERATIONS', 20, 1),
  warmup: intOption('warmup', 'WARMUP', 2, 0),
  databaseUrl: option('database-url', 'DATABASE_URL', undefined),
  timeoutMs: intOption('timeout', 'BENCH_TIMEOUT_MS', 180_000, 1000),
  out: option('out', 'BENCH_OUT', undefined),
  alertmanagerBin: option('alertmanager', 'ALERTMANAGER_BIN', '/usr/bin/prometheus-alertmanager'),
}

// A trigger takes a burst of 30 deliveries, then 60 a minute (docs/triggers.md), and answers 429
// beyond that. Alertmanager's webhook notifier retries only 5xx: a 429 is dropped and the kill
// would wait for the group's next flush (group_interval). Each path has its own trigger and sends
// one delivery per alert; past the burst, deliveries to one trigger are spaced 1.05 s apart.
const BURST = 30
const PACE_MS = options.iterations + options.warmup > BURST - 2 ? 1_050 : 0
if (PACE_MS)
  console.warn(
    `note: ${options.iterations + options.warmup} alerts per trigger exceed its burst of ${BURST}: spacing them ${PACE_MS} ms apart`,
  )

const RUN_ID = randomBytes(4).toString('hex')
const FLAG_KEY = `bench-alert-${RUN_ID}`

// ---------------------------------------------------------------- cleanup and the global limit

const guard = guardRun('alert', options.timeoutMs)
let server = null // lib/server.mjs startServer handle
let alertmanager = null // lib/processes.mjs spawnKept handle, with url and cleanUp()
let recorder = null // http.Server
/** @type {import('@switchyard/sdk-node').SwitchyardClient[]} */
const clients = []
let stopping = false

// ---------------------------------------------------------------- processes

const onUnexpectedExit = (what) => (code, signal) => {
  if (!stopping) guard.fail(`${what} exited unexpectedly (code ${code}, signal ${signal})`)
}

async function startServer() {
  server = await startBenchServer({
    adminToken: ADMIN_TOKEN,
    databaseUrl: options.databaseUrl,
    dataDirPrefix: 'sy-bench-alert-',
    onUnexpectedExit: onUnexpectedExit('server'),
  })
  guard.track(Object.assign(server, { label: 'server' }))
}

/** What Alertmanager runs with: every new alertname is a new group, dispatched at once. */
function alertmanagerConfig(triggerUrl, recorderUrl) {
  return [
    'route:',
    '  receiver: switchyard',
    "  group_by: ['alertname']",
    '  group_wait: 0s',
    // Only a group's later notifications wait for group_interval; every alert here opens a new
    // group, and no group is notified twice within a run (nothing changes in it).
    '  group_interval: 5m',
    '  repeat_interval: 4h',
    'receivers:',
    '  - name: switchyard',
    '    webhook_configs:',
    `      - url: '${triggerUrl}'`,
    '        send_resolved: false',
    // The same notification, sent in parallel to a recorder in this process: when it went out.
    `      - url: '${recorderUrl}'`,
    '        send_resolved: false',
    '',
  ].join('\n')
}

async function startAlertmanager(config) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-bench-am-'))
  const port = await freePort()
  writeFileSync(join(dir, 'alertmanager.yml'), config)
  const args = [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', // no HA mode: no gossip settle wait, no peer-position wait
    '--log.level=warn',
  ]
  alertmanager = spawnKept(options.alertmanagerBin, args, {
    env: { PATH: process.env.PATH ?? '' },
    onUnexpectedExit: onUnexpectedExit('prometheus-alertmanager'),
  })
  alertmanager.url = `http://127.0.0.1:${port}`
  alertmanager.label = 'alertmanager'
  alertmanager.cleanUp = () => rmSync(dir, { recursive: true, force: true })
  guard.track(alertmanager)
  await waitUntilUp(`${alertmanager.url}/-/ready`, 'alertmanager', 20_000)
}

async function stopChild(handle, graceMs) {
  return handle ? handle.stop(graceMs) : null
}

// ---------------------------------------------------------------- the webhook recorder

/** alertname -> now() when Alertmanager's notification for it arrived here. */
const recorded = new Map()
const recorderWaiters = new Map()

async function startRecorder() {
  const port = await freePort()
  recorder = createHttpServer((req, res) => {
    const arrived = now() // headers parsed: the notification is on its way
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      res.writeHead(200).end()
      try {
        const payload = JSON.parse(body)
        for (const alert of payload.alerts ?? []) {
          const name = alert?.labels?.alertname
          if (!name || recorded.has(name)) continue
          recorded.set(name, arrived)
          recorderWaiters.get(name)?.()
        }
      } catch {
        // not ours
      }
    })
  })
  await new Promise((resolve) => recorder.listen(port, '127.0.0.1', resolve))
  return `http://127.0.0.1:${port}/alertmanager-webhook`
}

function recordedArrival(name, timeoutMs) {
  if (recorded.has(name)) return Promise.resolve(recorded.get(name))
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      recorderWaiters.delete(name)
      resolve(null)
    }, timeoutMs)
    recorderWaiters.set(name, () => {
      clearTimeout(timer)
      recorderWaiters.delete(name)
      resolve(recorded.get(name))
    })
  })
}

// ---------------------------------------------------------------- REST

const call = (method, path, body) => restClient(server.url, ADMIN_TOKEN)(method, path, body)

// ---------------------------------------------------------------- SDK clients and flips

/** The flip being waited for: every client's time of the 'change' showing `expected`. */
let armed = null
let strayChanges = 0
let clientErrors = 0

function onChange(index, client, event) {
  if (event.key !== FLAG_KEY) return
  const flip = armed
  if (flip === null) {
    strayChanges++
    return
  }
  if (flip.times[index] !== 0) return
  // The change event fires after the store is updated: the new value is served already.
  if (client.variation(FLAG_KEY, CONTEXT, !flip.expected) !== flip.expected) return
  flip.times[index] = now()
  if (++flip.seen === clients.length) flip.done()
}

function arm(expected) {
  const flip = { expected, times: new Float64Array(clients.length), seen: 0, done: () => {} }
  flip.complete = new Promise((resolve) => (flip.done = resolve))
  armed = flip
  return flip
}

/** Waits until every client has seen the flip; false on timeout. */
async function settle(flip, timeoutMs) {
  let timer
  const ok = await Promise.race([
    flip.complete.then(() => true),
    new Promise((r) => (timer = setTimeout(() => r(false), timeoutMs))),
  ])
  clearTimeout(timer)
  if (armed === flip) armed = null
  return ok
}

async function connectClients(sdkKey) {
  guard.track({ killHard: () => clients.forEach((c) => void c.close()) })
  const logger = createSilentLogger()
  const started = now()
  for (let offset = 0; offset < options.clients; offset += CONNECT_BATCH) {
    const waits = []
    for (let i = offset; i < Math.min(options.clients, offset + CONNECT_BATCH); i++) {
      const client = init({ sdkKey, baseUrl: server.url, logger })
      client.on('change', (event) => onChange(i, client, event))
      client.on('error', () => clientErrors++)
      clients.push(client)
      waits.push(client.waitForReady({ timeoutMs: 20_000 }))
    }
    await Promise.all(waits)
  }
  const streaming = clients.filter((c) => c.connectionState === 'streaming').length
  if (streaming !== clients.length)
    throw new Error(`only ${streaming} of ${clients.length} clients are streaming`)
  return round2(now() - started)
}

const servingEverywhere = (value) =>
  clients.every((c) => c.variation(FLAG_KEY, CONTEXT, !value) === value)

/** Turns the flag back on through REST and waits until every client serves true. */
async function restore(label) {
  const flip = arm(true)
  const res = await expectStatus(
    call('POST', `/api/v1/flags/${FLAG_KEY}/envs/${ENV}/restore`, {
      comment: `bench: restore before ${label}`,
    }),
    200,
    'restore',
  )
  if (!res.changed && servingEverywhere(true)) {
    armed = null
    return
  }
  if (!(await settle(flip, ITERATION_TIMEOUT_MS))) {
    throw new Error(
      `restore before ${label}: only ${flip.seen} of ${clients.length} clients serve true after ${ITERATION_TIMEOUT_MS} ms`,
    )
  }
}

// ---------------------------------------------------------------- alerts

const fingerprint = () => randomBytes(8).toString('hex')

function alertLabels(alertname, path) {
  return { alertname, run: RUN_ID, path, severity: 'page', instance: `bench-${fingerprint()}` }
}

/** Alertmanager's webhook v4 body, as its notifier would send it for one firing alert. */
function alertmanagerWebhookBody(labels, annotations, startsAt) {
  return {
    receiver: 'switchyard',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: fingerprint(),
      },
    ],
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: `{}:{alertname="${labels.alertname}"}`,
    truncatedAlerts: 0,
  }
}

/**
 * One measured alert on one path. The flag is on everywhere when it starts; it ends when every
 * client's 'change' shows the flag off (or after ITERATION_TIMEOUT_MS).
 */
async function fireOnce(path, index, warmup, ctx) {
  const alertname = `${warmup ? 'BenchWarmup' : 'BenchAlert'}${index}${path === 'direct' ? 'Direct' : ''}`
  await restore(alertname)
  await sleep(Math.max(PAUSE_MS, (ctx.lastDelivery[path] ?? -Infinity) + PACE_MS - now()))
  const labels = alertLabels(alertname, path)
  const annotations = { summary: `bench alert ${index} (${path})` }
  const startsAt = new Date().toISOString()
  const flip = arm(false)
  let responseMs
  let status
  let hookAnswer = null
  const tPost = now()
  ctx.lastDelivery[path] = tPost
  if (path === 'alertmanager') {
    const res = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels, annotations, startsAt }]),
    })
    responseMs = now() - tPost
    status = res.status
    await res.text()
    if (!res.ok) throw new Error(`alertmanager refused ${alertname}: ${res.status}`)
  } else {
    const res = await fetch(ctx.directTriggerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.25.0' },
      body: JSON.stringify(alertmanagerWebhookBody(labels, annotations, startsAt)),
    })
    responseMs = now() - tPost
    status = res.status
    const text = await res.text()
    hookAnswer = text ? JSON.parse(text) : null
    if (!res.ok) throw new Error(`the trigger refused ${alertname}: ${res.status} ${text}`)
  }
  const complete = await settle(flip, ITERATION_TIMEOUT_MS)
  const seen = Array.from(flip.times)
    .filter((t) => t !== 0)
    .sort((a, b) => a - b)
  const dispatched =
    path === 'alertmanager' ? await recordedArrival(alertname, complete ? 2_000 : 0) : null

  // Which trigger did it: the newest change record of the flag.
  const change = (
    await expectStatus(call('GET', `/api/v1/changes?flag=${FLAG_KEY}&limit=1`), 200, 'changes')
  ).items?.[0]
  const expectedActor = `trigger:${path === 'alertmanager' ? ctx.amTriggerName : ctx.directTriggerName}`
  const result = {
    path,
    alertname,
    warmup,
    complete,
    clientsSeen: seen.length,
    firstMs: seen.length ? round2(seen[0] - tPost) : null,
    medianMs: seen.length ? round2(seen[Math.floor((seen.length - 1) / 2)] - tPost) : null,
    lastMs: complete ? round2(seen[seen.length - 1] - tPost) : null,
    responseMs: round2(responseMs),
    status,
    // alertmanager path: POST -> Alertmanager's notification arriving at the recorder
    dispatchMs: dispatched === null ? null : round2(dispatched - tPost),
    actor: change?.actor ?? null,
    action: change?.action ?? null,
    byExpectedTrigger: change?.actor === expectedActor && change?.action === 'trigger.kill',
    hookAnswer,
  }
  if (!complete) {
    console.warn(
      `  ${alertname}: only ${seen.length} of ${clients.length} clients serve false after ${ITERATION_TIMEOUT_MS} ms`,
    )
  }
  return result
}

// ---------------------------------------------------------------- statistics and the machine

function alertmanagerVersion() {
  try {
    return execFileSync(options.alertmanagerBin, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')[0]
      .trim()
  } catch (error) {
    return (
      String(error.stderr ?? error.stdout ?? '')
        .split('\n')[0]
        .trim() || null
    )
  }
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
        .join('  '),
    )
    .join('\n')
}

// ---------------------------------------------------------------- the run

async function main() {
  if (!existsSync(options.alertmanagerBin)) {
    throw new Error(
      `${options.alertmanagerBin} not found (apt-get install -y prometheus-alertmanager, or set ALERTMANAGER_BIN)`,
    )
  }
  if (!existsSync(SERVER_ENTRY))
    throw new Error(`${SERVER_ENTRY} not found: run npm run build first`)
  const startedAt = new Date()
  const uptimeAtStart = uptimeLine()
  const cores = availableParallelism()
  const amVersion = alertmanagerVersion()
  console.log(
    `alert benchmark: ${options.clients} clients, ${options.iterations} alerts per path (+${options.warmup} warm-up), ` +
      `${options.databaseUrl ? 'Postgres' : 'PGlite'}, node ${process.version}, ${amVersion}`,
  )
  console.log(
    `server, Alertmanager, SDK clients and load generator share ${cores} cores; at start: ${uptimeAtStart}`,
  )

  // 1. Server; flag on; two kill triggers (one behind Alertmanager, one posted to directly); SDK key.
  await startServer()
  await expectStatus(
    call('POST', '/api/v1/flags', { key: FLAG_KEY, comment: 'bench: alert latency' }),
    201,
    'create flag',
  )
  await expectStatus(
    call('POST', `/api/v1/flags/${FLAG_KEY}/envs/${ENV}/restore`, { comment: 'bench: on' }),
    200,
    'turn the flag on',
  )
  const ctx = {
    amTriggerName: `bench-am-${RUN_ID}`,
    directTriggerName: `bench-direct-${RUN_ID}`,
    lastDelivery: {},
  }
  const trigger = (name) =>
    expectStatus(
      call('POST', '/api/v1/triggers', {
        name,
        flag: FLAG_KEY,
        env: ENV,
        action: 'kill',
        format: 'alertmanager',
        onResolved: 'none',
        comment: 'bench',
      }),
      201,
      `create trigger ${name}`,
    )
  const amTrigger = await trigger(ctx.amTriggerName)
  const directTrigger = await trigger(ctx.directTriggerName)
  ctx.directTriggerUrl = directTrigger.url
  const sdkKey = await expectStatus(
    call('POST', `/api/v1/environments/${ENV}/keys`, { type: 'server' }),
    201,
    'create SDK key',
  )

  // 2. SDK clients, in this process.
  const connectMs = await connectClients(sdkKey.key)
  if (!servingEverywhere(true)) throw new Error('the flag is not on everywhere after connecting')
  console.log(`${clients.length} clients streaming after ${connectMs} ms`)

  // 3. Alertmanager, sending to the trigger (and to the recorder).
  const recorderUrl = await startRecorder()
  const config = alertmanagerConfig(amTrigger.url, recorderUrl)
  await startAlertmanager(config)
  console.log(`alertmanager ready at ${alertmanager.url}`)

  // 4. Warm-up, then the measured alerts; the two paths interleaved, order alternating.
  const results = []
  const total = options.warmup + options.iterations
  for (let n = 0; n < total; n++) {
    const warmup = n < options.warmup
    const index = warmup ? n : n - options.warmup
    const order = n % 2 === 0 ? ['alertmanager', 'direct'] : ['direct', 'alertmanager']
    for (const path of order) {
      const r = await fireOnce(path, index, warmup, ctx)
      results.push(r)
      if (!warmup) {
        const extra =
          path === 'alertmanager'
            ? `dispatch ${r.dispatchMs} ms`
            : `hook answered in ${r.responseMs} ms`
        console.log(
          `  ${r.alertname.padEnd(20)} ${path.padEnd(12)} first ${r.firstMs} ms  last ${r.lastMs} ms  (${extra})`,
        )
      }
    }
  }
  const uptimeAtEnd = uptimeLine()
  const triggersAfter = (
    await expectStatus(
      call('GET', `/api/v1/triggers?flag=${FLAG_KEY}&env=${ENV}`),
      200,
      'list triggers',
    )
  ).items?.map((t) => ({ name: t.name, fireCount: t.fireCount }))

  // 5. Shut down: clients, Alertmanager, recorder, server; remove the temp dirs.
  stopping = true
  await Promise.all(clients.map((c) => c.close()))
  const amStop = await stopChild(alertmanager, 5_000)
  await new Promise((resolve) => recorder.close(resolve))
  if (options.databaseUrl) {
    // Leave the shared database as it was: the run's triggers, key and flag go.
    const removals = [
      ...[amTrigger, directTrigger].map((t) => `/api/v1/triggers/${t.id}`),
      `/api/v1/environments/${ENV}/keys/${sdkKey.id}`,
      `/api/v1/flags/${FLAG_KEY}`,
    ]
    for (const path of removals) {
      const res = await call('DELETE', path, undefined)
      if (res.status >= 300) console.warn(`cleanup: DELETE ${path} answered ${res.status}`)
    }
  }
  const serverStop = await stopChild(server, 15_000)
  server.cleanUp()
  alertmanager.cleanUp()

  // 6. Report.
  const measured = results.filter((r) => !r.warmup)
  const byPath = (path) => measured.filter((r) => r.path === path)
  const am = byPath('alertmanager')
  const direct = byPath('direct')
  const summary = {
    alertmanager: {
      firstSdkMs: summarize(am.map((r) => r.firstMs)),
      lastSdkMs: summarize(am.map((r) => r.lastMs)),
      dispatchMs: summarize(am.map((r) => r.dispatchMs)),
      // from the notification leaving Alertmanager to the last SDK
      afterDispatchLastSdkMs: summarize(
        am.map((r) =>
          r.dispatchMs === null || r.lastMs === null ? null : r.lastMs - r.dispatchMs,
        ),
      ),
      alertmanagerPostResponseMs: summarize(am.map((r) => r.responseMs)),
    },
    direct: {
      firstSdkMs: summarize(direct.map((r) => r.firstMs)),
      lastSdkMs: summarize(direct.map((r) => r.lastMs)),
      hookResponseMs: summarize(direct.map((r) => r.responseMs)),
    },
  }
  const incomplete = measured.filter((r) => !r.complete).length
  const wrongActor = results.filter((r) => !r.byExpectedTrigger).length
  const cols = (s) => [s.p50, s.p90, s.p99, s.max]
  const rows = [
    ['ms (n per row)', 'p50', 'p90', 'p99', 'max'],
    [`Alertmanager: POST -> first SDK (${am.length})`, ...cols(summary.alertmanager.firstSdkMs)],
    [`Alertmanager: POST -> last SDK (${am.length})`, ...cols(summary.alertmanager.lastSdkMs)],
    ['  of which POST -> webhook sent', ...cols(summary.alertmanager.dispatchMs)],
    ['  of which webhook -> last SDK', ...cols(summary.alertmanager.afterDispatchLastSdkMs)],
    [`direct to trigger: POST -> first SDK (${direct.length})`, ...cols(summary.direct.firstSdkMs)],
    [`direct to trigger: POST -> last SDK (${direct.length})`, ...cols(summary.direct.lastSdkMs)],
    ['  hook HTTP response', ...cols(summary.direct.hookResponseMs)],
  ]
  console.log(`\n${table(rows)}`)
  console.log(
    `\nAlertmanager's own dispatch (POST -> webhook sent, group_wait 0s): p50 ${summary.alertmanager.dispatchMs.p50} ms, max ${summary.alertmanager.dispatchMs.max} ms.` +
      `\nLast SDK p50, Alertmanager path minus direct path: ${round2(summary.alertmanager.lastSdkMs.p50 - summary.direct.lastSdkMs.p50)} ms` +
      ` (both paths then run the same hook transaction: a difference this small is noise at n = ${am.length}).`,
  )
  console.log(
    `server, Alertmanager, SDK clients and load generator share ${cores} cores; at end: ${uptimeAtEnd}`,
  )
  if (incomplete)
    console.log(
      `${incomplete} measured alert(s) did not reach every client within ${ITERATION_TIMEOUT_MS} ms`,
    )
  if (wrongActor)
    console.log(`${wrongActor} alert(s) were not recorded as a kill by the expected trigger`)
  if (strayChanges) console.log(`${strayChanges} change event(s) arrived outside a measured flip`)

  const report = {
    benchmark: 'alert-to-sdk',
    description:
      'POST of a new alert to Alertmanager /api/v2/alerts -> Alertmanager webhook -> Switchyard trigger (kill) -> every SDK client ' +
      "'change' event serving the off variation; reference: the same webhook body posted straight to a trigger URL",
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    note: `server, Alertmanager, SDK clients and load generator share ${cores} cores`,
    machine: {
      cores,
      cpuModel: cpus()[0]?.model ?? null,
      uptimeAtStart,
      uptimeAtEnd,
      loadavgAtEnd: loadavg().map((x) => round2(x)),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    options: {
      ...options,
      databaseUrl: options.databaseUrl ? '(set)' : null,
      iterationTimeoutMs: ITERATION_TIMEOUT_MS,
      pauseMs: PAUSE_MS,
    },
    database: options.databaseUrl ? 'postgres' : 'pglite',
    alertmanager: {
      version: amVersion,
      config: config.replace(/sy_trg_[A-Za-z0-9_-]+/g, 'sy_trg_<redacted>'),
    },
    connectMs,
    summary,
    lastSdkP50AlertmanagerMinusDirectMs: round2(
      summary.alertmanager.lastSdkMs.p50 - summary.direct.lastSdkMs.p50,
    ),
    checks: { incomplete, wrongActor, strayChanges, clientErrors, triggersAfter },
    shutdown: { alertmanager: amStop, server: serverStop },
    iterations: results.map(({ hookAnswer, ...r }) => ({
      ...r,
      hookActed: hookAnswer?.acted ?? undefined,
      hookChanged: hookAnswer?.changed ?? undefined,
    })),
  }
  const shownFile = writeResults(options.out ?? defaultResultsFile('alert', startedAt), report)
  console.log(`results: ${shownFile}`)
  return incomplete === 0 && wrongActor === 0
}

main().then(
  (ok) => {
    guard.end()
    process.exit(ok ? 0 : 1)
  },
  (error) => guard.fail(error?.message ?? String(error), error?.stack ? error : undefined),
)
