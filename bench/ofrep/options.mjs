// The OFREP benchmark's options (listed in run.mjs). A bad value or combination ends the
// process with exit code 2 before anything starts.
import { flagOption, intOption, option } from '../lib/options.mjs'
import { SCENARIO_NAMES } from './scenarios.mjs'

export function readOptions() {
  const scenarios = option('scenarios', 'OFREP_SCENARIOS', SCENARIO_NAMES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const unknown = scenarios.filter((s) => !SCENARIO_NAMES.includes(s))
  if (unknown.length > 0 || scenarios.length === 0) {
    console.error(
      `--scenarios: unknown ${unknown.join(', ') || '(none given)'}; choose from ${SCENARIO_NAMES.join(', ')}`,
    )
    process.exit(2)
  }
  const options = {
    // in SCENARIOS order, whatever order they were given in
    scenarios: SCENARIO_NAMES.filter((s) => scenarios.includes(s)),
    connections: intOption('connections', 'CONNECTIONS', 50, 1),
    durationS: intOption('duration', 'DURATION', 10, 1),
    warmupS: intOption('warmup', 'WARMUP', 3, 0),
    rounds: intOption('rounds', 'ROUNDS', 2, 1),
    databaseUrl: option('database-url', 'DATABASE_URL', undefined),
    scratchDb: flagOption('scratch-db', 'BENCH_SCRATCH_DB'),
    logLevel: option('log-level', 'BENCH_LOG_LEVEL', 'info'),
    // another build of the server (a patched copy of server/dist/main.js), measured the same way
    serverEntry: option('server-entry', 'BENCH_SERVER_ENTRY', undefined),
    // where the server's stdout (its log; --trace-gc lines) goes; kept after the run when given
    serverLog: option('server-log', 'BENCH_SERVER_LOG', undefined),
    timeoutMs: null,
    out: option('out', 'BENCH_OUT', undefined),
    // extra node flags for the server process (e.g. --cpu-prof)
    nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  }
  // each scenario: warm-up, the measured run, and a few seconds of checks and readings
  const plannedMs =
    options.scenarios.length *
    (options.warmupS + options.rounds * (options.warmupS + options.durationS + 5)) *
    1000
  options.timeoutMs = intOption('timeout', 'BENCH_TIMEOUT_MS', plannedMs + 120_000, 1000)
  if (options.scratchDb && !options.databaseUrl) {
    console.error(
      '--scratch-db needs Postgres: give --database-url or DATABASE_URL, e.g.\n' +
        '  node bench/ofrep/run.mjs --scratch-db --database-url postgres://postgres@127.0.0.1:5432/postgres',
    )
    process.exit(2)
  }
  return options
}
