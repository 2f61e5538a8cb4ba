// What the alerts come to, per path, and the results of a run as written to its JSON file.
import { cpus, loadavg } from 'node:os'
import { round, summarize } from '../lib/stats.mjs'
import { ITERATION_TIMEOUT_MS, PAUSE_MS } from './alerts.mjs'

/** Latency summaries of the measured alerts per path, and how many went wrong. */
export function summarizeAlerts(results) {
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
  return {
    summary,
    n: { alertmanager: am.length, direct: direct.length },
    incomplete: measured.filter((r) => !r.complete).length,
    wrongActor: results.filter((r) => !r.byExpectedTrigger).length,
  }
}

/** Last SDK p50 of the Alertmanager path minus the direct path's. */
export const alertmanagerMinusDirectMs = (summary) =>
  round(summary.alertmanager.lastSdkMs.p50 - summary.direct.lastSdkMs.p50)

/**
 * `run` holds what main() gathered: options, startedAt, cores, uptimeAtStart, uptimeAtEnd,
 * amVersion, config, connectMs, stats (summarizeAlerts), counts (the fleet's), triggersAfter,
 * amStop, serverStop and results (one per alert).
 */
export function buildReport(run) {
  const { options, stats } = run
  return {
    benchmark: 'alert-to-sdk',
    description:
      'POST of a new alert to Alertmanager /api/v2/alerts -> Alertmanager webhook -> Switchyard trigger (kill) -> every SDK client ' +
      "'change' event serving the off variation; reference: the same webhook body posted straight to a trigger URL",
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    note: `server, Alertmanager, SDK clients and load generator share ${run.cores} cores`,
    machine: {
      cores: run.cores,
      cpuModel: cpus()[0]?.model ?? null,
      uptimeAtStart: run.uptimeAtStart,
      uptimeAtEnd: run.uptimeAtEnd,
      loadavgAtEnd: loadavg().map((x) => round(x)),
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
      version: run.amVersion,
      config: run.config.replace(/sy_trg_[A-Za-z0-9_-]+/g, 'sy_trg_<redacted>'),
    },
    connectMs: run.connectMs,
    summary: stats.summary,
    lastSdkP50AlertmanagerMinusDirectMs: alertmanagerMinusDirectMs(stats.summary),
    checks: {
      incomplete: stats.incomplete,
      wrongActor: stats.wrongActor,
      strayChanges: run.counts.strayChanges,
      clientErrors: run.counts.clientErrors,
      triggersAfter: run.triggersAfter,
    },
    shutdown: { alertmanager: run.amStop, server: run.serverStop },
    iterations: run.results.map(({ hookAnswer, ...r }) => ({
      ...r,
      hookActed: hookAnswer?.acted ?? undefined,
      hookChanged: hookAnswer?.changed ?? undefined,
    })),
  }
}
