import { asc, desc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { NotFoundError, ValidationError } from './errors.js'
import { webhookUrlError, type WebhookTargetPolicy } from './webhook-targets.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { generateSecret, newId } from './secrets.js'

type WebhookRow = typeof tables.webhooks.$inferSelect

export function describeWebhook(row: WebhookRow) {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    format: row.format,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
  }
}

export function redactUrl(url: string): string {
  return `${new URL(url).origin}/…`
}

export interface CreateWebhookInput {
  url: string
  events: string[]
  secret?: string | undefined
  format: 'json' | 'slack'
}

/** Creates a webhook; a URL whose address the policy refuses is a validation error at `url`. */
export async function createWebhook(
  deps: DomainDeps,
  who: ChangeActor,
  input: CreateWebhookInput,
  targets: WebhookTargetPolicy,
) {
  const refused = await webhookUrlError(targets, input.url)
  if (refused) throw new ValidationError([refused])
  const secret = input.secret ?? generateSecret('token').replace(/^sy_tok_/, 'sy_whs_')
  return writeTransaction(deps, async (tx) => {
    const [row] = await tx
      .insert(tables.webhooks)
      .values({
        id: newId('whk'),
        url: input.url,
        events: input.events,
        secret,
        format: input.format,
      })
      .returning()
    const described = describeWebhook(row!)
    // A webhook URL can be a credential (Slack's are): the change log keeps only its origin.
    await recordChange(tx, {
      ...who,
      action: 'webhook.create',
      after: { ...described, url: redactUrl(described.url) },
    })
    return { ...described, secret }
  })
}

export async function listWebhooks(db: Db) {
  return (await db.select().from(tables.webhooks).orderBy(asc(tables.webhooks.createdAt))).map(
    describeWebhook,
  )
}

export async function deleteWebhook(deps: DomainDeps, who: ChangeActor, id: string) {
  await writeTransaction(deps, async (tx) => {
    const [before] = await tx.delete(tables.webhooks).where(eq(tables.webhooks.id, id)).returning()
    if (!before) throw new NotFoundError('webhook', id)
    await recordChange(tx, {
      ...who,
      action: 'webhook.delete',
      before: { ...describeWebhook(before), url: redactUrl(before.url) },
    })
  })
}

export async function listDeliveries(db: Db, id: string, limit: number) {
  const [hook] = await db
    .select({ id: tables.webhooks.id })
    .from(tables.webhooks)
    .where(eq(tables.webhooks.id, id))
  if (!hook) throw new NotFoundError('webhook', id)
  const rows = await db
    .select()
    .from(tables.webhookDeliveries)
    .where(eq(tables.webhookDeliveries.webhookId, id))
    .orderBy(desc(tables.webhookDeliveries.id))
    .limit(limit)
  return rows.map((r) => ({
    id: r.id,
    changeId: r.changeId,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    nextAttemptAt: r.status === 'pending' ? r.nextAttemptAt.toISOString() : null,
    createdAt: r.createdAt.toISOString(),
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
  }))
}
