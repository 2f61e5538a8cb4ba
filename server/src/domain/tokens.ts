import { and, asc, eq, isNull } from 'drizzle-orm'
import { LRUCache } from 'lru-cache'
import type { ChangeBus } from '../db/bus.js'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { NotFoundError } from './errors.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { generateSecret, hashSecret, isSameHash, newId, secretPrefix } from './secrets.js'

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

export function describeToken(row: typeof tables.tokens.$inferSelect) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  }
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

export async function createToken(
  deps: DomainDeps,
  who: ChangeActor,
  input: { name: string; role: Role },
  secret = generateSecret('token'),
) {
  return writeTransaction(deps, async (tx) => {
    const [row] = await tx
      .insert(tables.tokens)
      .values({
        id: newId('tok'),
        name: input.name,
        role: input.role,
        tokenHash: hashSecret(secret),
        prefix: secretPrefix(secret),
      })
      .returning()
    const described = describeToken(row!)
    await recordChange(tx, { ...who, action: 'token.create', after: described })
    return { ...described, token: secret }
  })
}

export async function listTokens(db: Db) {
  const rows = await db.select().from(tables.tokens).orderBy(asc(tables.tokens.createdAt))
  return rows.map(describeToken)
}

export async function revokeToken(deps: DomainDeps, who: ChangeActor, id: string) {
  return writeTransaction(deps, async (tx, w) => {
    const [before] = await tx
      .select()
      .from(tables.tokens)
      .where(eq(tables.tokens.id, id))
      .for('update')
    if (!before) throw new NotFoundError('token', id)
    if (before.revokedAt) return describeToken(before)
    const [after] = await tx
      .update(tables.tokens)
      .set({ revokedAt: new Date() })
      .where(eq(tables.tokens.id, id))
      .returning()
    w.events.push({ type: 'token-revoked', tokenId: id })
    await recordChange(tx, {
      ...who,
      action: 'token.revoke',
      before: describeToken(before),
      after: describeToken(after!),
    })
    return describeToken(after!)
  })
}

export type BootstrapResult =
  { kind: 'configured' } | { kind: 'generated'; token: string } | { kind: 'existing' }

/**
 * Ensures an admin token exists: SWITCHYARD_ADMIN_TOKEN is registered (idempotently); without it
 * and without any token, one is generated and returned to be printed once.
 */
export async function bootstrapAdminToken(
  deps: DomainDeps,
  configured?: string,
): Promise<BootstrapResult> {
  if (configured) {
    const hash = hashSecret(configured)
    const [existing] = await deps.db
      .select({ id: tables.tokens.id, revokedAt: tables.tokens.revokedAt })
      .from(tables.tokens)
      .where(eq(tables.tokens.tokenHash, hash))
    if (!existing) {
      try {
        await createToken(
          deps,
          { actor: 'system', comment: 'SWITCHYARD_ADMIN_TOKEN' },
          { name: 'bootstrap-admin', role: 'admin' },
          configured,
        )
      } catch (error) {
        // Another replica starting at the same moment registered it first.
        if ((error as { cause?: { code?: string } }).cause?.code !== '23505') throw error
      }
    }
    return { kind: 'configured' }
  }
  const [any] = await deps.db.select({ id: tables.tokens.id }).from(tables.tokens).limit(1)
  if (any) return { kind: 'existing' }
  const created = await createToken(
    deps,
    { actor: 'system', comment: 'first start' },
    { name: 'bootstrap-admin', role: 'admin' },
  )
  return { kind: 'generated', token: created.token }
}
