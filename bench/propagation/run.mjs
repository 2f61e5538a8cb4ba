// Kill-switch propagation benchmark.
//
// Starts the built server (server/dist/main.js) as its own process, connects CLIENTS Node SDK
// clients from a second process (clients.mjs), flips a kill switch through the REST API FLIPS
// times, and measures, for every client, the time from the REST response to that client's
// 'change' event. Also measures the server's resident memory per idle SDK connection.
//
// With --replicas 2 (Postgres only) it starts two server processes on the same database: every
// write goes to replica A, every SDK client is connected to replica B, so each change travels
// A's transaction -> NOTIFY -> B's LISTEN -> B's read of the flag -> B's sockets.
//
//   npm run bench:propagation                       # builds first; PGlite in a temp dir
//   node bench/propagation/run.mjs --clients 1000 --flips 20
//   DATABASE_URL=postgres://... node bench/propagation/run.mjs
//   node bench/propagation/run.mjs --replicas 2 --scratch-db --database-url postgres://postgres@127.0.0.1:5432/postgres
//
// Options (argument, or environment variable):
//   --clients N        CLIENTS        SDK clients (default 1000)
//   --flips N          FLIPS          measured flips (default 20)
//   --warmup N         WARMUP_FLIPS   flips run first and reported apart (default 2)
//   --database-url U   DATABASE_URL   Postgres instead of PGlite (default: PGlite, temp data dir)
//   --scratch-db       BENCH_SCRATCH_DB=1  create a fresh database on the server of the database URL,
//                                        run on it and drop it at the end (also when the run fails)
//   --replicas N       REPLICAS       1 (default) or 2: write through replica A, clients on replica B;
//                                        needs a database URL
//   --timeout MS       BENCH_TIMEOUT_MS  whole-run limit; everything is killed after it (default 180000)
//   --out FILE         BENCH_OUT      results file (default bench/results/propagation-<timestamp>.json)
//                      BENCH_NODE_ARGS   extra node flags for the server(s) and clients processes
//                                        (e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof')
//                      BENCH_SERVER_ENV_<NAME>  passed to the server(s) as <NAME>
//                                        (e.g. BENCH_SERVER_ENV_SWITCHYARD_PING_INTERVAL_MS=1000)
//
// Three processes (four with two replicas) share the machine: this one (the REST caller), the
// clients process and the server(s). Timestamps are performance.timeOrigin + performance.now() in
// both measuring processes; the offset between the two clocks is estimated over IPC and reported.
import { availableParallelism, loadavg } from 'node:os'
import { defaultResultsFile, writeResults } from '../lib/results-file.mjs'
import { guardRun } from '../lib/run-guard.mjs'
import { sleep } from '../lib/time.mjs'
import { joinReady, startFleet } from './fleet.mjs'
import { runFlips } from './flips.mjs'
import { FLAG_KEY, createKillSwitch, warmUp } from './kill-switch.mjs'
import { SETTLE_MS, idleMemory } from './memory.mjs'
import { readOptions } from './options.mjs'
import { busyCpuPct } from '../lib/proc.mjs'
import { buildResults } from './results.mjs'
import { startServers } from './servers.mjs'
import { printTable } from './table.mjs'

const options = readOptions()
const guard = guardRun('propagation', options.timeoutMs)

async function main() {
  const atStart = await otherWorkAtStart()
  console.log(describe(options))

  // 1. Server(s), flag (on), server SDK key.
  const servers = await startServers(options, guard)
  const sdkKey = await createKillSwitch(servers.call)

  // 2. Warm-up without benchmark clients, then the server's memory with none.
  await warmUp(servers, sdkKey)
  const before = await idleMemory(servers)
  const connectionsBefore = (await servers.readyz()).connections

  // 3. The clients process: CLIENTS clients, all ready, connected in two halves with a memory
  // reading in between: the second half's cost is free of one-time costs (JIT, caches, pools).
  const fleet = startFleet(options.nodeArgs, guard)
  const clock = await fleet.measureClockOffset()
  const firstHalf = Math.ceil(options.clients / 2)
  const connect = (count) =>
    fleet.connect({ sdkKey, baseUrl: servers.streamer.url, flagKey: FLAG_KEY, count })
  const readyA = await connect(firstHalf)
  await sleep(SETTLE_MS)
  const mid = await idleMemory(servers)
  const readyB = options.clients > firstHalf ? await connect(options.clients - firstHalf) : readyA
  const ready = joinReady(readyA, readyB)
  console.log(
    `${ready.count} clients ready in ${Math.round(ready.connectMs)} ms (${ready.streaming} streaming)`,
  )

  // 4. Idle memory: settle, then read the server's RSS again.
  await sleep(SETTLE_MS)
  const readyz = await servers.readyz()
  const after = await idleMemory(servers)
  if (readyz.connections !== options.clients + connectionsBefore) {
    console.warn(
      `warning: server reports ${readyz.connections} connections, expected ${options.clients + connectionsBefore}`,
    )
  }

  // 5. Flips: kill, restore, kill, ... (the flag starts on).
  const { flips, phase } = await runFlips(options, servers, fleet)

  // 6. Shut down: clients first (close code 1000), then SIGTERM the server(s). In between, once
  // more with every client gone: memory that stays is allocator high-water from the connection
  // burst, not memory each idle connection keeps.
  const closed = await fleet.close()
  const afterClose = await idleMemory(servers)
  const connectionsAfterClose = (await servers.readyz()).connections
  const stopped = await servers.stop()
  guard.end()

  // 7. Results.
  const memory = { before, mid, after, afterClose, firstHalf, connectionsAfterClose }
  const run = { options, servers, atStart, clock, ready, readyz, memory, flips, phase }
  const results = buildResults({ ...run, closed, stopped })
  const outFile = options.out ?? defaultResultsFile('propagation', new Date(results.date))
  printTable(results, writeResults(outFile, results))
  process.exit(verdict(results))
}

/** Nothing of ours runs yet: whatever keeps the CPUs busy now is someone else's work. */
async function otherWorkAtStart() {
  const atStart = { loadAverage: loadavg(), busyPct: await busyCpuPct() }
  if (atStart.busyPct > 20) {
    console.warn(
      `warning: other processes keep ${atStart.busyPct}% of a CPU busy; the latency figures will include their work`,
    )
  }
  return atStart
}

function describe(options) {
  const topology = options.replicas === 2 ? ', two replicas (writes to A, clients on B)' : ''
  return (
    `propagation benchmark: ${options.clients} clients, ${options.flips} flips (+${options.warmup} warm-up), ` +
    `${options.databaseUrl ? 'Postgres' : 'PGlite'}${topology}, node ${process.version}, ${availableParallelism()} cpus`
  )
}

/** The exit code: 1 when a client missed a change or served a wrong value, or a server failed to stop. */
function verdict({ misses, wrongValues, shutdown }) {
  if (misses > 0 || wrongValues > 0) {
    console.error(
      `\n${misses} missed change events and ${wrongValues} wrong values: propagation is not reliable`,
    )
    return 1
  }
  const stopped = shutdown.server
  if (stopped && stopped.code !== 0) {
    console.error(`\nserver exited with code ${stopped.code} (signal ${stopped.signal}) on SIGTERM`)
    return 1
  }
  return 0
}

main().catch((error) => guard.fail(error?.message ?? String(error), error?.stack))
