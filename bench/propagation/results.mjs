// The results of a run as written to its JSON file: every figure, how it was measured, the
// targets it is judged on and the machine it ran on.
import { availableParallelism, cpus, loadavg } from 'node:os'
import { gitState } from '../lib/machine.mjs'
import { round } from '../lib/stats.mjs'
import { CONNECT_BATCH } from './fleet.mjs'
import { PAUSE_BETWEEN_FLIPS_MS } from './flips.mjs'
import { SETTLE_MS } from './memory.mjs'
import { CPU_TICK_MS } from '../lib/proc.mjs'
import { flipStats, memoryPerConnection } from './stats.mjs'

/** p99 from the REST response; across two replicas the change also goes through NOTIFY and B's read. */
const targetsFor = (replicas) => ({
  p99Ms: replicas === 2 ? 100 : 50,
  bytesPerConnection: 20 * 1024,
})

/**
 * `run` holds what main() gathered: options, servers, atStart, clock, ready (the clients
 * process), readyz (B's /readyz with every client connected), memory (the idle readings before,
 * mid, after and afterClose, firstHalf, connectionsAfterClose), flips, phase (flip-phase CPU),
 * closed (the clients' close report) and stopped (each server's exit).
 */
export function buildResults(run) {
  const { options, servers, readyz, clock, ready, memory, phase } = run
  const { before, mid, after, afterClose } = memory
  const stats = flipStats(run.flips)
  const perConnection = memoryPerConnection(memory, options.clients, memory.firstHalf)
  const targets = targetsFor(options.replicas)
  const fromResponse = stats.latencyMs.fromResponse
  return {
    benchmark: 'propagation',
    date: new Date().toISOString(),
    clients: options.clients,
    replicas: options.replicas,
    topology:
      options.replicas === 2
        ? 'REST writes to replica A; every SDK client on replica B; both on one Postgres (NOTIFY/LISTEN between them)'
        : 'one server: REST and SDK clients',
    scratchDatabase: servers.scratch ? servers.scratch.name : null,
    flips: options.flips,
    warmupFlips: options.warmup,
    samples: stats.samples,
    misses: stats.misses,
    wrongValues: stats.wrongValues,
    latencyMs: stats.latencyMs,
    warmupLatencyMs: stats.warmupLatencyMs,
    restResponseMs: stats.restResponseMs,
    memory: {
      bytesPerIdleConnection: Math.round(perConnection.allVsNone),
      kbPerIdleConnection: round(perConnection.allVsNone / 1024),
      conservativeBytesPerConnection: Math.round(perConnection.conservative),
      baselineMoved: perConnection.baselineMoved,
      serverRssBeforeBytes: before.rss,
      serverRssAfterBytes: after.rss,
      serverConnections: readyz.connections,
      rawRssBytesPerConnection: Math.round((after.rss - before.rss) / options.clients),
      heapUsedBytesPerConnection: Math.round((after.heapUsed - before.heapUsed) / options.clients),
      externalBytesPerConnection: Math.round((after.external - before.external) / options.clients),
      serverRssBeforeGcBytes: before.rawRss,
      secondHalf: perConnection.secondHalf,
      afterClientsLeft: {
        connections: memory.connectionsAfterClose,
        bytesPerFormerConnection: Math.round(
          (afterClose.rssLessFreeHeap - before.rssLessFreeHeap) / options.clients,
        ),
        heapUsedBytesPerFormerConnection: Math.round(
          (afterClose.heapUsed - before.heapUsed) / options.clients,
        ),
      },
      v8Before: before,
      v8Mid: mid,
      v8After: after,
      v8AfterClientsLeft: afterClose,
      clientsProcessRssBeforeBytes: ready.rssBefore,
      clientsProcessRssAfterBytes: ready.rssAfter,
      clientsProcessBytesPerClient: Math.round(
        (ready.rssAfter - ready.rssBefore) / options.clients,
      ),
      method:
        'Server VmRSS (/proc/<pid>/status, median of 5 readings over 1 s), read once with no benchmark clients ' +
        `(after warm-up and a 1 s settle) and once ${SETTLE_MS / 1000} s after all clients were ready; each reading is ` +
        'taken after rounds of [two forced full GCs in the server (node --expose-gc; server-probe.mjs asks over IPC), ' +
        '1 s pause, VmRSS] until two rounds agree within 512 KB (rssReadings). ' +
        'Each reading is RSS less the free part of the V8 heap (heapTotal - heapUsed, from the probe right after the ' +
        'GC), because V8 resizes its heap by tens of MB between GCs on its own. bytesPerIdleConnection = ' +
        '(after - before) / clients: the V8 heap and the native memory (sockets, ws state, buffers) the connections ' +
        'keep; kernel socket buffers are not in RSS. rawRssBytesPerConnection is the plain VmRSS difference after ' +
        'the same GCs. Without any GC the difference is noise: serverRssBeforeGcBytes shows how much collectable ' +
        'start-up garbage the server carries (hundreds of MB with PGlite). heapUsedBytesPerConnection is the growth ' +
        'of V8 heapUsed alone. The clients connect in two halves with a reading in between (v8Mid); secondHalf is ' +
        'the cost of the second half alone, without one-time costs (JIT, pools, caches). ' +
        'conservativeBytesPerConnection, the largest of the three, is what the target is judged on. afterClientsLeft repeats the reading once every client has closed: what stays ' +
        'is not kept per connection (allocator high-water from the connection burst, or caches).',
    },
    cpu: {
      serverMsPerFlip: stats.serverCpuMsPerFlip,
      clientsProcessMsPerFlip: stats.clientsCpuMsPerFlip,
      flipPhaseMs: Math.round(phase.ms),
      wholeFlipPhaseMs: {
        server: round(phase.serverMs),
        ...(options.replicas === 2
          ? { serverA: round(phase.perServerMs[0]), serverB: round(phase.perServerMs[1]) }
          : {}),
        clientsProcess: round(phase.clientsMs),
        loadGenerator: round(phase.selfMs),
        otherProcesses: round(phase.otherMs),
        irqAndSoftirq: round(phase.irqMs),
        steal: round(phase.stealMs),
      },
      flipPhaseMonotonicUs: phase.monotonicUs,
      note:
        `server CPU from /proc/<pid>/stat (resolution ${CPU_TICK_MS} ms; with two replicas, A + B); clients process CPU per flip from ` +
        'process.cpuUsage() between arm and last event; otherProcesses = /proc/stat user+nice+system over the flip ' +
        'phase minus the three benchmark processes (tick resolution: a few tens of ms either way is noise)',
    },
    clock: { offsetMs: round(clock.offsetMs, 3), ipcRttMs: round(clock.rttMs, 3) },
    targets: {
      p99Ms: targets.p99Ms,
      kbPerConnection: targets.bytesPerConnection / 1024,
      p99Met: fromResponse.p99 !== null && fromResponse.p99 < targets.p99Ms && stats.misses === 0,
      // both readings must be under the target: RSS can under-count when the heap reuses resident pages
      memoryMet: perConnection.conservative < targets.bytesPerConnection,
    },
    perFlip: stats.perFlip,
    environment: {
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? null,
      platform: `${process.platform} ${process.arch}`,
      git: gitState(),
      database:
        readyz.database ??
        servers.streamer.ready.database ??
        (options.databaseUrl ? 'postgres' : 'pglite'),
      otherCpuBusyAtStartPct: run.atStart.busyPct,
      loadAverageAtStart: run.atStart.loadAverage.map((x) => round(x)),
      loadAverageAtEnd: loadavg().map((x) => round(x)),
      pingIntervalMs: 'server default (15000)',
      connectBatch: CONNECT_BATCH,
      pauseBetweenFlipsMs: PAUSE_BETWEEN_FLIPS_MS,
      note: `${options.replicas === 2 ? 'two servers' : 'server'}, clients and load generator share ${availableParallelism()} cores`,
    },
    shutdown: {
      clients: run.closed,
      server: run.stopped.find((x) => x.code !== 0) ?? run.stopped[0],
      servers: run.stopped,
    },
  }
}
