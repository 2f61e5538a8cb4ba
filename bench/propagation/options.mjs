// The propagation benchmark's options (listed in run.mjs). A bad value or combination ends the
// process with exit code 2 before anything starts.
import { flagOption, intOption, option } from '../lib/options.mjs'

export function readOptions() {
  const options = {
    clients: intOption('clients', 'CLIENTS', 1000, 1),
    flips: intOption('flips', 'FLIPS', 20, 1),
    warmup: intOption('warmup', 'WARMUP_FLIPS', 2, 0),
    databaseUrl: option('database-url', 'DATABASE_URL', undefined),
    scratchDb: flagOption('scratch-db', 'BENCH_SCRATCH_DB'),
    replicas: intOption('replicas', 'REPLICAS', 1, 1),
    timeoutMs: intOption('timeout', 'BENCH_TIMEOUT_MS', 180_000, 1000),
    out: option('out', 'BENCH_OUT', undefined),
    // extra node flags for the server(s) and the clients process
    nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  }
  if (options.replicas > 2) {
    console.error(`--replicas must be 1 or 2, got ${options.replicas}`)
    process.exit(2)
  }
  if ((options.replicas === 2 || options.scratchDb) && !options.databaseUrl) {
    console.error(
      `${options.replicas === 2 ? '--replicas 2' : '--scratch-db'} needs Postgres: give --database-url or DATABASE_URL, e.g.\n` +
        '  node bench/propagation/run.mjs --replicas 2 --scratch-db --database-url postgres://postgres@127.0.0.1:5432/postgres',
    )
    process.exit(2)
  }
  return options
}
