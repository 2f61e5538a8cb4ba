import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/** Append-only change log: who, when, why, before and after. */
export const changes = pgTable(
  'changes',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actor: text().notNull(),
    action: text().notNull(),
    envKey: text(),
    flagKey: text(),
    comment: text(),
    before: jsonb(),
    after: jsonb(),
    /** Environment stream version after the change (null for changes outside an environment). */
    version: bigint({ mode: 'number' }),
  },
  (t) => [
    index('changes_created_at_idx').on(t.createdAt),
    index('changes_env_key_created_at_idx').on(t.envKey, t.createdAt),
    index('changes_flag_key_created_at_idx').on(t.flagKey, t.createdAt),
  ],
)
