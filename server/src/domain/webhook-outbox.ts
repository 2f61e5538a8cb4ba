import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { ChangeRecord } from './changes.js'

type WebhookFormat = (typeof tables.webhooks.$inferSelect)['format']
export type Webhook = typeof tables.webhooks.$inferSelect
export type WebhookDelivery = typeof tables.webhookDeliveries.$inferSelect

/** Attempts after which a delivery is given up as failed. */
export const MAX_ATTEMPTS = 8

/** `*` matches everything, `flag.*` every action under `flag.`, anything else exactly. */
export function matchesEvent(patterns: string[], action: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === action || (p.endsWith('.*') && action.startsWith(p.slice(0, -1))),
  )
}

/** A line a person reads in Slack (or any Slack-compatible incoming webhook). */
export function slackText(change: ChangeRecord): string {
  const where = [change.flag && `\`${change.flag}\``, change.env && `in *${change.env}*`]
    .filter(Boolean)
    .join(' ')
  const reason = change.comment ? ` — “${change.comment}”` : ''
  return `:triangular_flag_on_post: *${change.action}* ${where} by ${change.actor}${reason} (change #${change.id})`
}

export function webhookPayload(format: WebhookFormat, change: ChangeRecord): unknown {
  return format === 'slack' ? { text: slackText(change) } : { type: 'change', change }
}

/** Called by recordChange inside its transaction. */
export async function queueWebhookDeliveries(tx: Tx, change: ChangeRecord): Promise<void> {
  const hooks = await tx.select().from(tables.webhooks).where(eq(tables.webhooks.enabled, true))
  const matching = hooks.filter((h) => matchesEvent(h.events, change.action))
  if (matching.length === 0) return
  await tx.insert(tables.webhookDeliveries).values(
    matching.map((h) => ({
      webhookId: h.id,
      changeId: change.id,
      payload: webhookPayload(h.format, change),
    })),
  )
}

/**
 * Claims up to `limit` due deliveries with FOR UPDATE SKIP LOCKED and a lease (the next attempt
 * is due once it runs out), so several replicas share the work and a delivery in flight on a
 * replica that dies is retried. Each claim counts as an attempt.
 */
export async function claimDueDeliveries(
  db: Db,
  leaseMs: number,
  limit = 20,
): Promise<WebhookDelivery[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: tables.webhookDeliveries.id })
      .from(tables.webhookDeliveries)
      .where(
        and(
          eq(tables.webhookDeliveries.status, 'pending'),
          lte(tables.webhookDeliveries.nextAttemptAt, new Date()),
        ),
      )
      .orderBy(asc(tables.webhookDeliveries.id))
      .limit(limit)
      .for('update', { skipLocked: true })
    if (due.length === 0) return []
    return tx
      .update(tables.webhookDeliveries)
      .set({
        attempts: sql`${tables.webhookDeliveries.attempts} + 1`,
        nextAttemptAt: new Date(Date.now() + leaseMs),
      })
      .where(
        inArray(
          tables.webhookDeliveries.id,
          due.map((d) => d.id),
        ),
      )
      .returning()
  })
}

/** The webhooks the deliveries go to, by id (a webhook deleted since is absent). */
export async function webhooksOf(
  db: Db,
  deliveries: WebhookDelivery[],
): Promise<Map<string, Webhook>> {
  const hooks = await db
    .select()
    .from(tables.webhooks)
    .where(inArray(tables.webhooks.id, [...new Set(deliveries.map((d) => d.webhookId))]))
  return new Map(hooks.map((h) => [h.id, h]))
}

/**
 * Records how an attempt ended: delivered without an error; else failed for good after
 * MAX_ATTEMPTS, or due again after `backoffMs(attempts)`.
 */
export async function recordAttempt(
  db: Db,
  delivery: WebhookDelivery,
  outcome: { statusCode: number | null; error: string | null },
  backoffMs: (attempt: number) => number,
): Promise<void> {
  const delivered = outcome.error === null
  const exhausted = !delivered && delivery.attempts >= MAX_ATTEMPTS
  await db
    .update(tables.webhookDeliveries)
    .set({
      status: delivered ? 'delivered' : exhausted ? 'failed' : 'pending',
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error,
      deliveredAt: delivered ? new Date() : null,
      nextAttemptAt:
        delivered || exhausted ? new Date() : new Date(Date.now() + backoffMs(delivery.attempts)),
    })
    .where(eq(tables.webhookDeliveries.id, delivery.id))
}
