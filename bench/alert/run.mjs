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
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { uptimeLine } from '../lib/machine.mjs'
import { SERVER_ENTRY } from '../lib/paths.mjs'
import { restClient } from '../lib/rest.mjs'
import { defaultResultsFile, writeResults } from '../lib/results-file.mjs'
import { guardRun } from '../lib/run-guard.mjs'
import { startServer } from '../lib/server.mjs'
import { alertmanagerConfig, alertmanagerVersion, startAlertmanager } from './alertmanager.mjs'
import { runAlerts, triggerPaceMs } from './alerts.mjs'
import { createFleet } from './fleet.mjs'
import { createKillSwitch, removeKillSwitch, triggerCounts } from './kill-switch.mjs'
import { readOptions } from './options.mjs'
import { startRecorder } from './recorder.mjs'
import { buildReport, summarizeAlerts } from './results.mjs'
import { printSummary } from './table.mjs'

const ADMIN_TOKEN = 'sy_tok_bench-alert-admin-0123456789'

const options = readOptions()
const paceMs = triggerPaceMs(options.iterations + options.warmup)
const guard = guardRun('alert', options.timeoutMs)
let stopping = false
const onUnexpectedExit = (what) => (code, signal) => {
  if (!stopping) guard.fail(`${what} exited unexpectedly (code ${code}, signal ${signal})`)
}

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
  const amVersion = alertmanagerVersion(options.alertmanagerBin)
  console.log(
    `alert benchmark: ${options.clients} clients, ${options.iterations} alerts per path (+${options.warmup} warm-up), ` +
      `${options.databaseUrl ? 'Postgres' : 'PGlite'}, node ${process.version}, ${amVersion}`,
  )
  console.log(
    `server, Alertmanager, SDK clients and load generator share ${cores} cores; at start: ${uptimeAtStart}`,
  )

  // 1. Server; flag on; two kill triggers (one behind Alertmanager, one posted to directly); SDK key.
  const server = await startServer({
    adminToken: ADMIN_TOKEN,
    databaseUrl: options.databaseUrl,
    dataDirPrefix: 'sy-bench-alert-',
    onUnexpectedExit: onUnexpectedExit('server'),
    onSpawn: (handle) => guard.track(Object.assign(handle, { label: 'server' })),
  })
  const call = restClient(server.url, ADMIN_TOKEN)
  const killSwitch = await createKillSwitch(call)

  // 2. SDK clients, in this process.
  const fleet = createFleet(guard)
  const connectMs = await fleet.connect({
    sdkKey: killSwitch.sdkKey.key,
    baseUrl: server.url,
    count: options.clients,
  })
  if (!fleet.servingEverywhere(true))
    throw new Error('the flag is not on everywhere after connecting')
  console.log(`${fleet.clients.length} clients streaming after ${connectMs} ms`)

  // 3. Alertmanager, sending to the trigger (and to the recorder).
  const recorder = await startRecorder()
  const config = alertmanagerConfig(killSwitch.amTrigger.url, recorder.url)
  const alertmanager = await startAlertmanager(options.alertmanagerBin, config, {
    guard,
    onUnexpectedExit,
  })
  console.log(`alertmanager ready at ${alertmanager.url}`)

  // 4. Warm-up, then the measured alerts; the two paths interleaved, order alternating.
  const run = { call, fleet, recorder, alertmanager, killSwitch, paceMs }
  const results = await runAlerts(options, run)
  const uptimeAtEnd = uptimeLine()
  const triggersAfter = await triggerCounts(call)

  // 5. Shut down: clients, Alertmanager, recorder, server; remove the temp dirs.
  stopping = true
  await fleet.close()
  const amStop = await alertmanager.stop(5_000)
  await recorder.close()
  if (options.databaseUrl) await removeKillSwitch(call, killSwitch)
  const serverStop = await server.stop(15_000)
  server.cleanUp()
  alertmanager.cleanUp()

  // 6. Report.
  const stats = summarizeAlerts(results)
  const { counts } = fleet
  printSummary(stats, { cores, uptimeAtEnd, strayChanges: counts.strayChanges })
  const report = buildReport({
    options,
    startedAt,
    cores,
    uptimeAtStart,
    uptimeAtEnd,
    amVersion,
    config,
    connectMs,
    stats,
    counts,
    triggersAfter,
    amStop,
    serverStop,
    results,
  })
  const shownFile = writeResults(options.out ?? defaultResultsFile('alert', startedAt), report)
  console.log(`results: ${shownFile}`)
  return stats.incomplete === 0 && stats.wrongActor === 0
}

main().then(
  (ok) => {
    guard.end()
    process.exit(ok ? 0 : 1)
  },
  (error) => guard.fail(error?.message ?? String(error), error?.stack ? error : undefined),
)
