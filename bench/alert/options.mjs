// The alert benchmark's options (listed in run.mjs); a bad number ends the process with exit code 2.
import { intOption, option } from '../lib/options.mjs'

export function readOptions() {
  return {
    clients: intOption('clients', 'CLIENTS', 100, 1),
    iterations: intOption('iterations', 'ITERATIONS', 20, 1),
    warmup: intOption('warmup', 'WARMUP', 2, 0),
    databaseUrl: option('database-url', 'DATABASE_URL', undefined),
    timeoutMs: intOption('timeout', 'BENCH_TIMEOUT_MS', 180_000, 1000),
    out: option('out', 'BENCH_OUT', undefined),
    alertmanagerBin: option('alertmanager', 'ALERTMANAGER_BIN', '/usr/bin/prometheus-alertmanager'),
  }
}
