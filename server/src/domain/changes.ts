import { and, desc, eq, gte, lt } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { requireEnvironmentFilter } from './environment-refs.js'
import { queueWebhookDeliveries } from './webhook-outbox.js'

export interface ChangeInput {
  actor: string
  action: string
  env?: string | null
  flag?: string | null
  comment?: string | null
  before?: unknown
  after?: unknown
  version?: number | null
}

/**
 * Writes one change record inside the caller's transaction, and queues its delivery to every
 * matching outbound webhook in the same transaction (a transactional outbox).
 */
export async function recordChange(tx: Tx, input: ChangeInput): Promise<number> {
  const [row] = await tx
    .insert(tables.changes)
    .values({
      actor: input.actor,
      action: input.action,
      envKey: input.env ?? null,
      flagKey: input.flag ?? null,
      comment: input.comment ?? null,
      before: input.before ?? null,
      after: input.after ?? null,
      version: input.version ?? null,
    })
    .returning()
  await queueWebhookDeliveries(tx, describeChange(row!))
  return row!.id
}

export function describeChange(r: typeof tables.changes.$inferSelect): ChangeRecord {
  return {
    id: r.id,
    time: r.createdAt.toISOString(),
    actor: r.actor,
    action: r.action,
    env: r.envKey,
    flag: r.flagKey,
    comment: r.comment,
    before: r.before,
    after: r.after,
    version: r.version,
  }
}

export interface ChangeQuery {
  since?: Date | undefined
  env?: string | undefined
  flag?: string | undefined
  limit: number
  /** Return changes older than this id (the previous page's nextCursor). */
  before?: number | undefined
}

export interface ChangeRecord {
  id: number
  time: string
  actor: string
  action: string
  env: string | null
  flag: string | null
  comment: string | null
  before: unknown
  after: unknown
  version: number | null
}

/** A page of the change log, newest first; an unknown `env` filter is a wrong field. */
export async function listChanges(db: Db, query: ChangeQuery) {
  await requireEnvironmentFilter(db, query.env)
  const conditions = []
  if (query.since) conditions.push(gte(tables.changes.createdAt, query.since))
  if (query.env) conditions.push(eq(tables.changes.envKey, query.env))
  if (query.flag) conditions.push(eq(tables.changes.flagKey, query.flag))
  if (query.before !== undefined) conditions.push(lt(tables.changes.id, query.before))
  const rows = await db
    .select()
    .from(tables.changes)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(tables.changes.id))
    .limit(query.limit + 1)
  const page = rows.slice(0, query.limit)
  const items = page.map(describeChange)
  const last = page[page.length - 1]
  return { items, nextCursor: rows.length > query.limit && last ? String(last.id) : null }
}
