import { eq } from 'drizzle-orm'
import type { Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { ChangeRecord } from './changes.js'

type WebhookFormat = (typeof tables.webhooks.$inferSelect)['format']

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
