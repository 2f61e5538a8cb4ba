/** Options for {@link createBackoff}. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. */
  initialMs: number
  /** Largest ceiling any delay may have, in ms. */
  maxMs: number
  /** A connection that stayed healthy this long resets the backoff (LaunchDarkly uses 60 s). */
  resetAfterMs?: number
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number
  /** Clock in epoch ms; injectable for tests. */
  now?: () => number
}

/** Exponential backoff with full jitter: each delay is uniform in [0, min(maxMs, initialMs * 2^n)). */
export interface Backoff {
  /** How many failures have been counted since the last reset. */
  readonly attempts: number
  /** Counts one failure and returns how long to wait before the next try, in ms. */
  next(): number
  /** Records that a connection became healthy; it resets the backoff once it has lasted `resetAfterMs`. */
  markHealthy(): void
  /** Forgets all failures, so the next delay is short again. */
  reset(): void
  /**
   * Forgets all failures, as `reset()`, unless the previous call came less than `resetAfterMs`
   * ago; returns whether it did. A one-off event gets a quick retry, a repeated one the backoff.
   */
  resetUnlessRepeated(): boolean
}

const DEFAULT_RESET_AFTER_MS = 60_000

/**
 * Creates an exponential backoff with full jitter (AWS "full jitter"), capped at `maxMs`; never throws.
 */
export function createBackoff(options: BackoffOptions): Backoff {
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const resetAfterMs = options.resetAfterMs ?? DEFAULT_RESET_AFTER_MS
  const initialMs = Math.max(1, options.initialMs)
  const maxMs = Math.max(initialMs, options.maxMs)
  let attempts = 0
  let healthySince: number | null = null
  let lastResetRequestAt: number | null = null
  const reset = (): void => {
    attempts = 0
    healthySince = null
  }

  return {
    get attempts() {
      return attempts
    },
    next() {
      if (healthySince !== null && now() - healthySince >= resetAfterMs) attempts = 0
      healthySince = null
      // why: stop doubling once past the cap, so 2 ** attempts never overflows to Infinity
      const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempts, 52))
      attempts++
      return Math.floor(random() * ceiling)
    },
    markHealthy() {
      healthySince ??= now()
    },
    reset,
    resetUnlessRepeated() {
      const at = now()
      const repeated = lastResetRequestAt !== null && at - lastResetRequestAt < resetAfterMs
      lastResetRequestAt = at
      if (repeated) return false
      reset()
      return true
    },
  }
}

/**
 * Says whether a request that failed with this HTTP status is worth retrying; never throws.
 *
 * 401 and 403 (bad or revoked key) stop, as does any other 4xx except 408 (timeout) and 429
 * (rate limited); everything else, including 5xx, is retried with backoff.
 */
export function isRetryable(status: number): boolean {
  if (status >= 400 && status < 500) return status === 408 || status === 429
  return true
}
