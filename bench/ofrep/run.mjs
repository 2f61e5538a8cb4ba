// OFREP load benchmark.
//
// Starts the built server (server/dist/main.js) and a bare node:http floor (floor.mjs), creates
// three flags and a server and a client SDK key, and puts each scenario under a fixed load from
// autocannon running in a process of its own (load.mjs). Reports req/s, latency, non-2xx answers,
// the target's CPU and RSS, the load generator's CPU, and the CPU other processes used meanwhile.
//
//   npm run bench:ofrep                                # builds first; PGlite in a temp dir
//   node bench/ofrep/run.mjs --connections 50 --duration 10 --rounds 2
//   node bench/ofrep/run.mjs --scratch-db --database-url postgres://postgres@127.0.0.1:5432/postgres
//   node bench/ofrep/run.mjs --scenarios floor,single-server --rounds 3
//
// Options (argument, or environment variable):
//   --scenarios a,b    OFREP_SCENARIOS  floor, single-server, single-client, bulk-client, healthz (default all)
//   --connections N    CONNECTIONS      autocannon connections (default 50)
//   --duration S       DURATION         seconds of measured load per scenario and round (default 10)
//   --warmup S         WARMUP           seconds of the same load before each measured run, and of
//                                        every scenario once before the first round (default 3)
//   --rounds N         ROUNDS           every scenario in turn, N times (default 2)
//   --database-url U   DATABASE_URL     Postgres instead of PGlite (default: PGlite, temp data dir)
//   --scratch-db       BENCH_SCRATCH_DB=1  a fresh database on the server of the database URL,
//                                        dropped at the end (also when the run fails)
//   --log-level L      BENCH_LOG_LEVEL  the server's LOG_LEVEL (default info, the server's own default)
//   --server-entry F   BENCH_SERVER_ENTRY  the server script (default server/dist/main.js), e.g. a
//                                        patched copy to measure an idea before changing server/
//   --server-log F     BENCH_SERVER_LOG the server's stdout (its log) goes to F and stays (default: a
//                                        temp file, removed)
//   --timeout MS       BENCH_TIMEOUT_MS whole-run limit (default: the planned runs + 120 s)
//   --out FILE         BENCH_OUT        results file (default bench/results/ofrep-<timestamp>.json)
//                      BENCH_NODE_ARGS  extra node flags for the server (e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof')
//                      BENCH_SERVER_ENV_<NAME>  passed to the server as <NAME>
//
// Exit code 1 when any answer under load was not 2xx (or a connection failed), a check failed,
// the server did not exit 0 on SIGTERM, or the run failed or timed out.
import { availableParallelism, loadavg } from 'node:os'
import { uptimeLine } from '../lib/machine.mjs'
import { busyCpuPct } from '../lib/proc.mjs'
import { restClient } from '../lib/rest.mjs'
import { defaultResultsFile, writeResults } from '../lib/results-file.mjs'
import { guardRun } from '../lib/run-guard.mjs'
import { measureScenario } from './measure.mjs'
import { readOptions } from './options.mjs'
import { buildResults } from './results.mjs'
import { SCENARIOS, checkOnce, requestOf } from './scenarios.mjs'
import { createFlagsAndKeys } from './setup.mjs'
import { printTable } from './table.mjs'
import { ADMIN_TOKEN, startTargets } from './targets.mjs'

const options = readOptions()
const guard = guardRun('ofrep', options.timeoutMs)

async function main() {
  const uptimeAtStart = uptimeLine()
  const atStart = { loadAverage: loadavg(), busyPct: await busyCpuPct() }
  if (atStart.busyPct > 20)
    console.warn(
      `warning: other processes keep ${atStart.busyPct}% of a CPU busy; the figures will include their work`,
    )
  console.log(
    `OFREP benchmark: ${options.scenarios.join(', ')}; ${options.connections} connections, ` +
      `${options.durationS} s (+${options.warmupS} s warm-up) x ${options.rounds} round(s), ` +
      `${options.databaseUrl ? 'Postgres' : 'PGlite'}, node ${process.version}, ${availableParallelism()} cpus`,
  )
  console.log(uptimeAtStart)

  // 1. Processes; then the flags and keys, made through the REST API.
  const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.name))
  const targets = await startTargets(options, guard)
  const keys = await createFlagsAndKeys(restClient(targets.server.url, ADMIN_TOKEN))
  if (scenarios.some((s) => s.target === 'floor')) await targets.startFloor(Object.values(keys))

  // 2. One checked answer per scenario before any load.
  const requests = new Map()
  const answers = {}
  for (const s of scenarios) {
    const base = s.target === 'floor' ? targets.floor.url : targets.server.url
    const request = requestOf(s, base, keys)
    requests.set(s.name, request)
    answers[s.name] = (await checkOnce(s, request)).body
  }

  // 3. A first warm-up of every scenario, so that the first measured one does not also pay for
  // compiling the shared paths (and for collecting the server's start-up garbage); then rounds:
  // every scenario in turn, its own warm-up, then the measured run.
  if (options.warmupS > 0) {
    for (const s of scenarios)
      await targets.load.run(requests.get(s.name), {
        connections: options.connections,
        durationS: options.warmupS,
      })
  }
  const runs = []
  for (let round = 1; round <= options.rounds; round++) {
    for (const s of scenarios) {
      const run = await measureScenario(s, requests.get(s.name), targets, options)
      run.round = round
      runs.push(run)
      const a = run.autocannon
      console.log(
        `  ${s.name.padEnd(14)} round ${round}: ${Math.round(a.requests.mean)} req/s, ` +
          `p99 ${a.latency.p99} ms, non-2xx ${a.non2xx}, errors ${a.errors}; ` +
          `target ${run.cpu.targetPctOfCore}% (${run.cpu.targetUsPerRequest} µs/req), ` +
          `load generator ${run.cpu.loadGeneratorPctOfCore}%, other ${run.cpu.otherProcessesPctOfCore}%`,
      )
    }
  }
  // The same answers after the load: nothing changed under it.
  for (const s of scenarios) await checkOnce(s, requests.get(s.name))

  // 4. Stop everything, then the results.
  const database = targets.server.ready.database ?? (options.databaseUrl ? 'postgres' : 'pglite')
  const ready = { database, scratch: targets.scratch?.name ?? null }
  const stopped = await targets.stop()
  guard.end()
  const results = buildResults({ options, atStart, uptimeAtStart, ready, runs, stopped, answers })
  const outFile = options.out ?? defaultResultsFile('ofrep', new Date(results.date))
  printTable(results, writeResults(outFile, results))
  process.exit(verdict(results))
}

function verdict(results) {
  if (results.failures.length > 0) {
    console.error(`\nthe run failed: ${results.failures.length} run(s) had failed requests`)
    return 1
  }
  const stopped = results.shutdown.server
  if (stopped.code !== 0) {
    console.error(`\nserver exited with code ${stopped.code} (signal ${stopped.signal}) on SIGTERM`)
    return 1
  }
  return 0
}

main().catch((error) => guard.fail(error?.message ?? String(error), error?.stack))
