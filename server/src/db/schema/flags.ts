import type { FlagKind, JsonValue } from '@switchyard/core'
import { sql } from 'drizzle-orm'
import { boolean, check, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

export interface StoredVariation {
  value: JsonValue
  name?: string
}

export const flags = pgTable(
  'flags',
  {
    key: text().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    kind: text({ enum: ['boolean', 'string', 'number', 'json'] })
      .$type<FlagKind>()
      .notNull(),
    variations: jsonb().$type<StoredVariation[]>().notNull(),
    tags: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    clientSide: boolean().notNull().default(false),
    temporary: boolean().notNull().default(true),
    /** A long-lived flag that throttles traffic to a dependency (see the throttle endpoint). */
    safetyValve: boolean().notNull().default(false),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('flags_kind_ck', sql`${t.kind} in ('boolean', 'string', 'number', 'json')`)],
)

export type FlagRow = typeof flags.$inferSelect
