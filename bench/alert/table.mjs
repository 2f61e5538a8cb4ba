// What a run prints at its end: the latency table per path and the checks that failed.
import { ITERATION_TIMEOUT_MS } from './alerts.mjs'
import { alertmanagerMinusDirectMs } from './results.mjs'

/** Prints `stats` (summarizeAlerts); `run` has cores, uptimeAtEnd and strayChanges. */
export function printSummary({ summary, n, incomplete, wrongActor }, run) {
  const cols = (s) => [s.p50, s.p90, s.p99, s.max]
  const rows = [
    ['ms (n per row)', 'p50', 'p90', 'p99', 'max'],
    [
      `Alertmanager: POST -> first SDK (${n.alertmanager})`,
      ...cols(summary.alertmanager.firstSdkMs),
    ],
    [`Alertmanager: POST -> last SDK (${n.alertmanager})`, ...cols(summary.alertmanager.lastSdkMs)],
    ['  of which POST -> webhook sent', ...cols(summary.alertmanager.dispatchMs)],
    ['  of which webhook -> last SDK', ...cols(summary.alertmanager.afterDispatchLastSdkMs)],
    [`direct to trigger: POST -> first SDK (${n.direct})`, ...cols(summary.direct.firstSdkMs)],
    [`direct to trigger: POST -> last SDK (${n.direct})`, ...cols(summary.direct.lastSdkMs)],
    ['  hook HTTP response', ...cols(summary.direct.hookResponseMs)],
  ]
  console.log(`\n${table(rows)}`)
  console.log(
    `\nAlertmanager's own dispatch (POST -> webhook sent, group_wait 0s): p50 ${summary.alertmanager.dispatchMs.p50} ms, max ${summary.alertmanager.dispatchMs.max} ms.` +
      `\nLast SDK p50, Alertmanager path minus direct path: ${alertmanagerMinusDirectMs(summary)} ms` +
      ` (both paths then run the same hook transaction: a difference this small is noise at n = ${n.alertmanager}).`,
  )
  console.log(
    `server, Alertmanager, SDK clients and load generator share ${run.cores} cores; at end: ${run.uptimeAtEnd}`,
  )
  if (incomplete)
    console.log(
      `${incomplete} measured alert(s) did not reach every client within ${ITERATION_TIMEOUT_MS} ms`,
    )
  if (wrongActor)
    console.log(`${wrongActor} alert(s) were not recorded as a kill by the expected trigger`)
  if (run.strayChanges)
    console.log(`${run.strayChanges} change event(s) arrived outside a measured flip`)
}

/** Columns padded to their widest cell: the first left-aligned, the others right-aligned. */
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
