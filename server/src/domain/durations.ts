const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Parses `90s`, `30m`, `2h`, `1d`, `500ms` (or `0`) to milliseconds; null when malformed. */
export function parseDuration(value: string): number | null {
  if (value === '0') return 0
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(value)
  return match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : null
}
