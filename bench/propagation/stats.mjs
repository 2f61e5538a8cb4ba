// What the flips and the memory readings come to: latency summaries, totals and CPU per flip;
// server memory per idle connection, estimated three ways.
import { round, summarize } from '../lib/stats.mjs'

/** The measured flips' figures, the warm-up flips' apart; `perFlip` has one row per flip. */
export function flipStats(flips) {
  const measured = flips.filter((f) => !f.warmup)
  const warm = flips.filter((f) => f.warmup)
  const all = (list, field) => list.flatMap((f) => f[field])
  const meanPerFlip = (field) => round(measured.reduce((n, f) => n + f[field], 0) / measured.length)
  return {
    samples: measured.reduce((n, f) => n + f.seen, 0),
    misses: measured.reduce((n, f) => n + f.misses, 0),
    wrongValues: flips.reduce((n, f) => n + f.wrongValue, 0),
    latencyMs: {
      fromResponse: summarize(all(measured, 'fromResponse')),
      fromRequest: summarize(all(measured, 'fromRequest')),
    },
    warmupLatencyMs: warm.length
      ? {
          fromResponse: summarize(all(warm, 'fromResponse')),
          fromRequest: summarize(all(warm, 'fromRequest')),
        }
      : null,
    restResponseMs: summarize(measured.map((f) => f.restMs)),
    serverCpuMsPerFlip: meanPerFlip('serverCpuMs'),
    clientsCpuMsPerFlip: meanPerFlip('clientsCpuMs'),
    perFlip: flips.map((f) => ({
      id: f.id,
      warmup: f.warmup,
      action: f.action,
      restMs: round(f.restMs),
      seen: f.seen,
      misses: f.misses,
      wrongValue: f.wrongValue,
      firstMs: round(f.firstMs),
      p50Ms: summarize(f.fromResponse).p50,
      p99Ms: summarize(f.fromResponse).p99,
      lastMs: round(f.lastMs),
      spreadMs: f.firstMs === null ? null : round(f.lastMs - f.firstMs),
      clientsCpuMs: round(f.clientsCpuMs),
      serverCpuMs: round(f.serverCpuMs),
    })),
  }
}

/**
 * Bytes per idle connection from the idle readings with no clients (`before`), the first half
 * (`mid`) and all `clients` connected (`after`): all vs none, the second half alone, and the V8
 * heap alone; `conservative` is the largest of the three.
 */
export function memoryPerConnection({ before, mid, after }, clients, firstHalf) {
  const allVsNone = (after.rssLessFreeHeap - before.rssLessFreeHeap) / clients
  const secondHalf = clients - firstHalf
  const marginal = (field) =>
    secondHalf > 0 ? Math.round((after[field] - mid[field]) / secondHalf) : null
  const heap = (after.heapUsed - before.heapUsed) / clients
  return {
    allVsNone,
    secondHalf: {
      clients: secondHalf,
      bytesPerConnection: marginal('rssLessFreeHeap'),
      heapUsedBytesPerConnection: marginal('heapUsed'),
    },
    // Judge the target on the largest of the three estimates: each can be thrown off on its own
    // (the baseline by memory V8 or PGlite hand back late, the halves by a GC that resizes the heap).
    conservative: Math.max(allVsNone, marginal('rssLessFreeHeap') ?? -Infinity, heap),
    baselineMoved: allVsNone < heap - 1024,
  }
}
