import { sql } from 'drizzle-orm'
import { bigint, check, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'

export const environments = pgTable('environments', {
  key: text().primaryKey(),
  name: text().notNull(),
  /** Stream version: bumped once per committed change in this environment. */
  version: bigint({ mode: 'number' }).notNull().default(0),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

export const sdkKeys = pgTable(
  'sdk_keys',
  {
    id: text().primaryKey(),
    envKey: text()
      .notNull()
      .references(() => environments.key, { onDelete: 'cascade' }),
    type: text({ enum: ['server', 'client'] }).notNull(),
    keyHash: text().notNull(),
    /** First characters of the key, to tell keys apart in listings. */
    prefix: text().notNull(),
    /** Client keys are public (they ship in web pages); server keys are never stored in clear. */
    clientKey: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('sdk_keys_key_hash_uq').on(t.keyHash),
    index('sdk_keys_env_key_idx').on(t.envKey),
    check('sdk_keys_type_ck', sql`${t.type} in ('server', 'client')`),
  ],
)
