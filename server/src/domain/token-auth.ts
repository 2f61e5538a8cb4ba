import { and, eq, isNull } from 'drizzle-orm'
import { LRUCache } from 'lru-cache'
import type { ChangeBus } from '../db/bus.js'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { hashSecret, isSameHash } from './secrets.js'

export const ROLES = ['reader', 'writer', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** admin > writer > reader. */
export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required)
}

export interface Principal {
  id: string
  name: string
  role: Role
}

/**
 * Token lookups, cached briefly (every API call needs one); a revocation on any replica clears
 * the cache at once through the change bus.
 */
export function createTokenAuthenticator(
  db: Db,
  bus: ChangeBus,
): (token: string) => Promise<Principal | null> {
  const cache = new LRUCache<string, Principal | 'none'>({ max: 10_000, ttl: 30_000 })
  // A lookup that started before a revocation must not write its old answer back.
  let generation = 0
  bus.subscribe((event) => {
    if (event.type === 'token-revoked' || event.type === 'resync') {
      generation++
      cache.clear()
    }
  })
  return async (token) => {
    const cached = cache.get(token)
    if (cached) return cached === 'none' ? null : cached
    const started = generation
    const principal = await authenticateToken(db, token)
    if (started !== generation) return principal
    // Unknown tokens are remembered only briefly: a token created on another replica works soon.
    cache.set(token, principal ?? 'none', principal ? {} : { ttl: 1000 })
    return principal
  }
}

/** Looks a bearer token up by its hash; null for unknown or revoked tokens. */
export async function authenticateToken(db: Db, token: string): Promise<Principal | null> {
  const hash = hashSecret(token)
  const [row] = await db
    .select()
    .from(tables.tokens)
    .where(and(eq(tables.tokens.tokenHash, hash), isNull(tables.tokens.revokedAt)))
    .limit(1)
  if (!row || !isSameHash(row.tokenHash, hash)) return null
  return { id: row.id, name: row.name, role: row.role }
}
