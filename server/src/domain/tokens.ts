import { asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { NotFoundError } from './errors.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { generateSecret, hashSecret, newId, secretPrefix } from './secrets.js'
import type { Role } from './token-auth.js'

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
