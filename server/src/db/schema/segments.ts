import type { Segment } from '@switchyard/core'
import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import { environments } from './environments.js'

/** Segments belong to one environment; the definition is core's Segment type exactly. */
export const segments = pgTable(
  'segments',
  {
    envKey: text()
      .notNull()
      .references(() => environments.key, { onDelete: 'cascade' }),
    key: text().notNull(),
    name: text().notNull().default(''),
    description: text().notNull().default(''),
    definition: jsonb().$type<Segment>().notNull(),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'segments_pk', columns: [t.envKey, t.key] })],
)

export type SegmentRow = typeof segments.$inferSelect
