// The results file of a run: every measured run, a per-scenario summary and the machine.
import { availableParallelism, cpus, loadavg } from 'node:os'
import { gitState, uptimeLine } from '../lib/machine.mjs'
import { CPU_TICK_MS } from '../lib/proc.mjs'
import { round } from '../lib/stats.mjs'

/** Single-flag OFREP throughput the server is meant to reach on this machine, load generator included. */
export const TARGET_SINGLE_RPS = 20_000

const median = (values) => {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** What went wrong in a run, as messages: non-2xx answers, errors, timeouts (warm-up included). */
export function failuresOf(run) {
  const problems = []
  const a = run.autocannon
  if (a.non2xx > 0)
    problems.push(`${a.non2xx} non-2xx answers (${JSON.stringify(a.statusCodeStats)})`)
  if (a.errors > 0) problems.push(`${a.errors} connection errors`)
  if (a.timeouts > 0) problems.push(`${a.timeouts} timeouts`)
  if (a.requests.total === 0) problems.push('no request answered')
  if (run.warmup && (run.warmup.non2xx > 0 || run.warmup.errors > 0))
    problems.push(`warm-up: ${run.warmup.non2xx} non-2xx, ${run.warmup.errors} errors`)
  return problems.map((p) => `${run.scenario} round ${run.round}: ${p}`)
}

export function buildResults({ options, atStart, uptimeAtStart, ready, runs, stopped, answers }) {
  const byScenario = {}
  for (const name of options.scenarios) {
    const of = runs.filter((r) => r.scenario === name)
    byScenario[name] = {
      rounds: of.length,
      reqPerSecMean: round(median(of.map((r) => r.autocannon.requests.mean)), 0),
      reqPerSecMeanRange: [
        Math.round(Math.min(...of.map((r) => r.autocannon.requests.mean))),
        Math.round(Math.max(...of.map((r) => r.autocannon.requests.mean))),
      ],
      latencyP50Ms: median(of.map((r) => r.autocannon.latency.p50)),
      latencyP99Ms: median(of.map((r) => r.autocannon.latency.p99)),
      targetUsPerRequest: round(median(of.map((r) => r.cpu.targetUsPerRequest)), 1),
      targetPctOfCore: median(of.map((r) => r.cpu.targetPctOfCore)),
      loadGeneratorUsPerRequest: round(median(of.map((r) => r.cpu.loadGeneratorUsPerRequest)), 1),
      otherProcessesPctOfCore: median(of.map((r) => r.cpu.otherProcessesPctOfCore)),
    }
  }
  const single = ['single-server', 'single-client']
    .filter((name) => byScenario[name])
    .map((name) => byScenario[name].reqPerSecMean)
  return {
    benchmark: 'ofrep',
    date: new Date().toISOString(),
    scenarios: options.scenarios,
    connections: options.connections,
    durationS: options.durationS,
    warmupS: options.warmupS,
    rounds: options.rounds,
    logLevel: options.logLevel,
    serverEntry: options.serverEntry ?? 'server/dist/main.js',
    serverNodeArgs: options.nodeArgs,
    scratchDatabase: ready.scratch,
    summary: byScenario,
    target: {
      singleFlagReqPerSec: TARGET_SINGLE_RPS,
      met: single.length > 0 ? single.every((rps) => rps >= TARGET_SINGLE_RPS) : null,
    },
    failures: runs.flatMap(failuresOf),
    runs,
    answers,
    method:
      'autocannon (in its own process) sends the same request on every connection for durationS after a ' +
      'warm-up of warmupS with the same load; req/s mean and percentiles are over its one-second samples, ' +
      'latency percentiles in ms over every request. CPU from /proc/<pid>/stat over the measured run ' +
      `(resolution ${CPU_TICK_MS} ms): target = the process under load (server or floor), % of one core; ` +
      'otherProcesses = /proc/stat user+nice+system minus the server, floor, load generator and this ' +
      'process. RSS: VmRSS of the target every 500 ms (max) and at the end. log: bytes the server ' +
      'wrote to its log during the run. Rounds run every scenario in turn, so a burst of other work ' +
      'does not land on one scenario only.',
    environment: {
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? null,
      platform: `${process.platform} ${process.arch}`,
      git: gitState(),
      database: ready.database,
      uptimeAtStart,
      uptimeAtEnd: uptimeLine(),
      otherCpuBusyAtStartPct: atStart.busyPct,
      loadAverageAtStart: atStart.loadAverage.map((x) => round(x)),
      loadAverageAtEnd: loadavg().map((x) => round(x)),
      note: `server, floor, load generator and this process share ${availableParallelism()} cores`,
    },
    shutdown: { server: stopped },
  }
}
