// Nearest-rank statistics of measured values.

export const round = (x, digits = 2) =>
  x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/** min, p50, p90, p99, max, mean and n of the values that are not null. */
export function summarize(values) {
  const sorted = Float64Array.from(values.filter((v) => v !== null && v !== undefined)).sort()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    n: sorted.length,
    min: round(sorted[0] ?? null),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? null),
    mean: round(sorted.length ? sum / sorted.length : null),
  }
}
