import type { FlagEnvConfig } from '@switchyard/core'
import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import { environments } from './environments.js'
import { flags } from './flags.js'

export const flagConfigs = pgTable(
  'flag_configs',
  {
    flagKey: text()
      .notNull()
      .references(() => flags.key, { onDelete: 'cascade', onUpdate: 'cascade' }),
    envKey: text()
      .notNull()
      .references(() => environments.key, { onDelete: 'cascade' }),
    config: jsonb().$type<FlagEnvConfig>().notNull(),
    /** If-Match version of this config; bumped on every change. */
    version: integer().notNull().default(1),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'flag_configs_pk', columns: [t.flagKey, t.envKey] })],
)

export type FlagConfigRow = typeof flagConfigs.$inferSelect
