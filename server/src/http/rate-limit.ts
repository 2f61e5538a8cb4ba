import { LRUCache } from 'lru-cache'

export interface RateLimiter {
  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean
}

/** A token bucket per key: `burst` requests at once, refilled at `perMinute`. In memory, per replica. */
export function createRateLimiter(
  burst: number,
  perMinute: number,
  now: () => number = Date.now,
): RateLimiter {
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 10_000 })
  return {
    take(key) {
      const t = now()
      const bucket = buckets.get(key) ?? { tokens: burst, at: t }
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 60_000) * perMinute)
      bucket.at = t
      const allowed = bucket.tokens >= 1
      if (allowed) bucket.tokens -= 1
      buckets.set(key, bucket)
      return allowed
    },
  }
}
