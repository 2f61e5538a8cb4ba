import { LRUCache } from 'lru-cache'
import type { ChangeBus } from '../db/bus.js'
import type { Db } from '../db/client.js'
import { authenticateSdkKey, type SdkPrincipal } from './environments.js'

export type SdkAuthenticator = (key: string) => Promise<SdkPrincipal | null>

/**
 * SDK key lookups, cached briefly (polling SDKs ask often); a revocation clears the cache at
 * once, and unknown keys are remembered for only a second.
 */
export function createSdkAuthenticator(db: Db, bus: ChangeBus): SdkAuthenticator {
  const cache = new LRUCache<string, SdkPrincipal | 'none'>({ max: 10_000, ttl: 10_000 })
  // A lookup that started before a revocation must not write its old answer back.
  let generation = 0
  bus.subscribe((event) => {
    if (event.type === 'sdk-key-revoked' || event.type === 'resync') {
      generation++
      cache.clear()
    }
  })
  return async (key) => {
    const cached = cache.get(key)
    if (cached) return cached === 'none' ? null : cached
    const started = generation
    const principal = await authenticateSdkKey(db, key)
    if (started !== generation) return principal
    cache.set(key, principal ?? 'none', principal ? {} : { ttl: 1000 })
    return principal
  }
}
