import { and, eq, isNull } from 'drizzle-orm'
import { LRUCache } from 'lru-cache'
import type { ChangeBus } from '../db/bus.js'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { hashSecret, isSameHash } from './secrets.js'

export type SdkKeyType = 'server' | 'client'

export interface SdkPrincipal {
  keyId: string
  env: string
  type: SdkKeyType
}

/** Resolves an SDK key (server or client) to its environment; null when unknown or revoked. */
export async function authenticateSdkKey(db: Db, key: string): Promise<SdkPrincipal | null> {
  const hash = hashSecret(key)
  const [row] = await db
    .select({
      id: tables.sdkKeys.id,
      envKey: tables.sdkKeys.envKey,
      type: tables.sdkKeys.type,
      keyHash: tables.sdkKeys.keyHash,
    })
    .from(tables.sdkKeys)
    .where(and(eq(tables.sdkKeys.keyHash, hash), isNull(tables.sdkKeys.revokedAt)))
    .limit(1)
  if (!row || !isSameHash(row.keyHash, hash)) return null
  return { keyId: row.id, env: row.envKey, type: row.type }
}

export type SdkAuthenticator = (key: string) => Promise<SdkPrincipal | null>

/**
 * SDK key lookups, cached briefly (polling SDKs ask often); a revocation clears the cache at
 * once, and unknown keys are remembered for only a second. Concurrent lookups of one key share
 * one query.
 */
export function createSdkAuthenticator(
  db: Db,
  bus: ChangeBus,
  findKey: (db: Db, key: string) => Promise<SdkPrincipal | null> = authenticateSdkKey,
): SdkAuthenticator {
  const cache = new LRUCache<string, SdkPrincipal | 'none'>({ max: 10_000, ttl: 10_000 })
  // One lookup per key at a time: a reconnecting fleet shares it instead of queueing hundreds.
  const inflight = new Map<string, Promise<SdkPrincipal | null>>()
  // A lookup that started before a revocation must not write its old answer back, nor be joined.
  let generation = 0
  bus.subscribe((event) => {
    if (event.type === 'sdk-key-revoked' || event.type === 'resync') {
      generation++
      cache.clear()
      inflight.clear()
    }
  })
  const lookUp = async (key: string): Promise<SdkPrincipal | null> => {
    const started = generation
    try {
      const principal = await findKey(db, key)
      if (started === generation)
        cache.set(key, principal ?? 'none', principal ? {} : { ttl: 1000 })
      return principal
    } finally {
      if (started === generation) inflight.delete(key)
    }
  }
  return async (key) => {
    const cached = cache.get(key)
    if (cached) return cached === 'none' ? null : cached
    let pending = inflight.get(key)
    if (!pending) {
      pending = lookUp(key)
      inflight.set(key, pending)
    }
    return pending
  }
}
