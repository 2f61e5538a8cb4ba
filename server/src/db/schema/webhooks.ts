import { boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { changes } from './changes.js'

/** Outbound webhooks: every matching change is delivered, signed, with retries. */
export const webhooks = pgTable('webhooks', {
  id: text().primaryKey(),
  url: text().notNull(),
  /** Change actions to deliver: exact (`flag.kill`), prefix (`flag.*`) or everything (`*`). */
  events: text().array().notNull(),
  /** HMAC-SHA256 key for the signature header; needed in clear to sign. */
  secret: text().notNull(),
  format: text({ enum: ['json', 'slack'] })
    .notNull()
    .default('json'),
  enabled: boolean().notNull().default(true),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

/** The outbox and delivery log: written in the change's transaction, sent after commit. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    webhookId: text()
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    changeId: integer()
      .notNull()
      .references(() => changes.id),
    status: text({ enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastStatusCode: integer(),
    lastError: text(),
    payload: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index('webhook_deliveries_status_next_attempt_at_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_webhook_id_idx').on(t.webhookId, t.id),
  ],
)
