import { sql } from 'drizzle-orm'
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { environments } from './environments.js'
import { flags } from './flags.js'

export const TRIGGER_ACTIONS = ['kill', 'restore', 'throttle'] as const
export const TRIGGER_FORMATS = [
  'generic',
  'alertmanager',
  'grafana',
  'datadog',
  'honeycomb',
  'pagerduty',
] as const
export type TriggerAction = (typeof TRIGGER_ACTIONS)[number]
/** The monitoring tool whose deliveries a trigger reads (and whose signatures it checks). */
export type TriggerFormat = (typeof TRIGGER_FORMATS)[number]

/** Secret URLs that monitoring tools call to kill, restore or throttle a flag. */
export const triggers = pgTable(
  'triggers',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    flagKey: text()
      .notNull()
      .references(() => flags.key, { onDelete: 'cascade', onUpdate: 'cascade' }),
    envKey: text()
      .notNull()
      .references(() => environments.key, { onDelete: 'cascade' }),
    action: text({ enum: TRIGGER_ACTIONS }).notNull(),
    percent: doublePrecision(),
    format: text({ enum: TRIGGER_FORMATS }).notNull(),
    onResolved: text({ enum: ['restore', 'none'] })
      .notNull()
      .default('none'),
    tokenHash: text().notNull(),
    prefix: text().notNull(),
    /** Shared secret for signed payloads (HMAC); needed in clear to verify signatures. */
    signingSecret: text(),
    enabled: boolean().notNull().default(true),
    fireCount: integer().notNull().default(0),
    lastFiredAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('triggers_token_hash_uq').on(t.tokenHash),
    index('triggers_flag_key_env_key_idx').on(t.flagKey, t.envKey),
    check('triggers_action_ck', sql`${t.action} in ('kill', 'restore', 'throttle')`),
  ],
)

/** The last state seen per alert, so a repeated notification acts once. */
export const triggerAlerts = pgTable(
  'trigger_alerts',
  {
    triggerId: text()
      .notNull()
      .references(() => triggers.id, { onDelete: 'cascade' }),
    alertKey: text().notNull(),
    status: text({ enum: ['firing', 'resolved'] }).notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'trigger_alerts_pk', columns: [t.triggerId, t.alertKey] })],
)
