import { sql } from 'drizzle-orm'
import { check, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'

export const tokens = pgTable(
  'tokens',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    role: text({ enum: ['admin', 'writer', 'reader'] }).notNull(),
    tokenHash: text().notNull(),
    prefix: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('tokens_token_hash_uq').on(t.tokenHash),
    check('tokens_role_ck', sql`${t.role} in ('admin', 'writer', 'reader')`),
  ],
)
