// The table a run prints: one row per scenario and round, then the medians over the rounds.

const MB = 1024 * 1024

/** Prints `r` (buildResults) with the path of its results file. */
export function printTable(r, outFile) {
  const num = (x, width, digits = 0) =>
    (x === null || x === undefined ? '-' : x.toFixed(digits)).padStart(width)
  const pct = (x, width) => `${num(x, width - 1)}%`
  const header =
    '  scenario        rnd   req/s mean   p2.5    p50  p97.5 | lat p50  p99 | non2xx | target CPU   µs/req | loadgen CPU µs/req | other CPU | RSS max | load1'
  const row = (run) => {
    const a = run.autocannon
    return (
      `  ${run.scenario.padEnd(15)} ${String(run.round).padStart(3)} ` +
      `${num(a.requests.mean, 12)} ${num(a.requests.p2_5, 6)} ${num(a.requests.p50, 6)} ${num(a.requests.p97_5, 6)} | ` +
      `${num(a.latency.p50, 7)} ${num(a.latency.p99, 4)} | ${num(a.non2xx + a.errors + a.timeouts, 6)} | ` +
      `${pct(run.cpu.targetPctOfCore, 10)} ${num(run.cpu.targetUsPerRequest, 8, 1)} | ` +
      `${pct(run.cpu.loadGeneratorPctOfCore, 11)} ${num(run.cpu.loadGeneratorUsPerRequest, 6, 1)} | ` +
      `${pct(run.cpu.otherProcessesPctOfCore, 9)} | ${num(run.rss.targetMaxBytes / MB, 4)} MB | ` +
      `${num(run.loadAverageAtStart[0], 5, 2)}`
    )
  }
  const summary = Object.entries(r.summary).map(
    ([name, s]) =>
      `  ${name.padEnd(15)} ${num(s.reqPerSecMean, 8)} req/s (${s.reqPerSecMeanRange.join('–')}), ` +
      `latency p50 ${s.latencyP50Ms} ms, p99 ${s.latencyP99Ms} ms, ${s.targetUsPerRequest} µs CPU per request ` +
      `(load generator ${s.loadGeneratorUsPerRequest} µs), other processes ${s.otherProcessesPctOfCore}% of a core`,
  )
  const lines = [
    '',
    `OFREP load: ${r.environment.database}, ${r.connections} connections, ${r.durationS} s per run ` +
      `(+${r.warmupS} s warm-up), ${r.rounds} round(s); server log level ${r.logLevel}` +
      (r.serverEntry === 'server/dist/main.js' ? '' : `; server ${r.serverEntry}`),
    `  ${r.environment.note}; node ${r.environment.node}; ${r.environment.cpuModel ?? ''}`,
    `  at start: ${r.environment.uptimeAtStart}; other processes ${r.environment.otherCpuBusyAtStartPct}% of a CPU`,
    `  at end:   ${r.environment.uptimeAtEnd}`,
    '',
    header,
    ...r.runs.map(row),
    '',
    `  medians over the rounds:`,
    ...summary,
    '',
    `  CPU as % of one core over the measured run; "other" is every process on the machine but the server, floor, load generator and this one.`,
    `  target: single-flag >= ${r.target.singleFlagReqPerSec} req/s: ${r.target.met === null ? 'not measured' : r.target.met ? 'MET' : 'NOT MET'}`,
    ...(r.failures.length ? ['', '  FAILURES:', ...r.failures.map((f) => `    ${f}`)] : []),
    `  results: ${outFile}`,
  ]
  console.log(lines.join('\n'))
}
