import type { FlagEnvConfig } from '@switchyard/core'
import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { environments } from './environments.js'
import { flags } from './flags.js'

export interface RolloutStage {
  /** Share of contexts served the rollout's variation, 0–100. */
  percent: number
  /** Wait before this stage, in milliseconds, counted from the previous stage (or the start). */
  afterMs: number
}

/** Which triggers roll the rollout back: named ones, any trigger on the flag, or none. */
export type RolloutGuard = { triggers: string[] } | { anyTrigger: true } | null

/** Progressive rollouts: state lives here so any replica can run the next step, exactly once. */
export const rollouts = pgTable(
  'rollouts',
  {
    id: text().primaryKey(),
    flagKey: text()
      .notNull()
      .references(() => flags.key, { onDelete: 'cascade', onUpdate: 'cascade' }),
    envKey: text()
      .notNull()
      .references(() => environments.key, { onDelete: 'cascade' }),
    variation: integer().notNull(),
    /** The variation everyone else keeps getting. */
    baseline: integer().notNull(),
    stages: jsonb().$type<RolloutStage[]>().notNull(),
    state: text({ enum: ['active', 'paused', 'completed', 'aborted'] }).notNull(),
    /** Index of the last stage applied; -1 before the first. */
    currentStage: integer().notNull().default(-1),
    nextAt: timestamp({ withTimezone: true }),
    /** While paused: how long the next stage still had to wait. */
    pausedRemainingMs: bigint({ mode: 'number' }),
    guard: jsonb().$type<RolloutGuard>(),
    /** `on` and `fallthrough` before the rollout, for abort. */
    before: jsonb().$type<Pick<FlagEnvConfig, 'on' | 'fallthrough'>>().notNull(),
    pauseReason: text(),
    comment: text(),
    createdBy: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('rollouts_state_next_at_idx').on(t.state, t.nextAt),
    index('rollouts_flag_key_env_key_idx').on(t.flagKey, t.envKey),
  ],
)

/** One change to apply to a flag's config at a given time. */
export const schedules = pgTable(
  'schedules',
  {
    id: text().primaryKey(),
    flagKey: text()
      .notNull()
      .references(() => flags.key, { onDelete: 'cascade', onUpdate: 'cascade' }),
    envKey: text()
      .notNull()
      .references(() => environments.key, { onDelete: 'cascade' }),
    at: timestamp({ withTimezone: true }).notNull(),
    /** The fields to change, as in PATCH …/envs/:env (rule ids may be absent). */
    patch: jsonb()
      .$type<
        Partial<
          Omit<FlagEnvConfig, 'salt' | 'rules'> & {
            rules: Array<Omit<FlagEnvConfig['rules'][number], 'id'> & { id?: string }>
          }
        >
      >()
      .notNull(),
    state: text({ enum: ['pending', 'done', 'cancelled', 'failed'] })
      .notNull()
      .default('pending'),
    error: text(),
    comment: text(),
    createdBy: text().notNull(),
    executedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('schedules_state_at_idx').on(t.state, t.at)],
)

export type RolloutRow = typeof rollouts.$inferSelect
