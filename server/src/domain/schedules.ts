import { and, asc, desc, eq, lte } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { ConflictError, isDomainError, NotFoundError, ValidationError } from './errors.js'
import { requireEnvironmentField, requireEnvironmentFilter } from './environment-refs.js'
import { configPatchErrors, mergeConfig, updateFlagConfigInTx } from './flag-configs.js'
import type { ConfigInput } from './flag-validation.js'
import { newId } from './secrets.js'

type ScheduleRow = typeof tables.schedules.$inferSelect
export type SchedulePatch = Partial<ConfigInput>

export function describeSchedule(row: ScheduleRow) {
  return {
    id: row.id,
    flag: row.flagKey,
    env: row.envKey,
    at: row.at.toISOString(),
    patch: row.patch,
    state: row.state,
    error: row.error,
    comment: row.comment,
    createdBy: row.createdBy,
    executedAt: row.executedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  }
}

export async function createSchedule(
  deps: DomainDeps,
  who: ChangeActor,
  input: { flag: string; env: string; at: Date; patch: SchedulePatch },
) {
  return writeTransaction(deps, async (tx) => {
    await requireEnvironmentField(tx, input.env)
    const [flag] = await tx
      .select({ key: tables.flags.key })
      .from(tables.flags)
      .where(eq(tables.flags.key, input.flag))
    if (!flag)
      throw new ValidationError([
        { path: 'flag', code: 'not_found', message: `flag '${input.flag}' does not exist` },
      ])
    // A change the flag refuses today is refused now, not discovered failed at its time.
    const errors = await configPatchErrors(tx, input.flag, input.env, input.patch)
    if (errors.length)
      throw new ValidationError(
        errors.map((e) => ({ ...e, path: e.path ? `patch.${e.path}` : 'patch' })),
      )
    const [row] = await tx
      .insert(tables.schedules)
      .values({
        id: newId('sch'),
        flagKey: input.flag,
        envKey: input.env,
        at: input.at,
        patch: input.patch,
        comment: who.comment ?? null,
        createdBy: who.actor,
      })
      .returning()
    await recordChange(tx, {
      ...who,
      action: 'schedule.create',
      env: input.env,
      flag: input.flag,
      after: describeSchedule(row!),
    })
    return describeSchedule(row!)
  })
}

export async function cancelSchedule(deps: DomainDeps, who: ChangeActor, id: string) {
  return writeTransaction(deps, async (tx) => {
    const [row] = await tx
      .select()
      .from(tables.schedules)
      .where(eq(tables.schedules.id, id))
      .for('update')
    if (!row) throw new NotFoundError('schedule', id)
    if (row.state !== 'pending')
      throw new ConflictError(`schedule ${id} is ${row.state}`, { state: row.state })
    const [after] = await tx
      .update(tables.schedules)
      .set({ state: 'cancelled' })
      .where(eq(tables.schedules.id, id))
      .returning()
    await recordChange(tx, {
      ...who,
      action: 'schedule.cancel',
      env: row.envKey,
      flag: row.flagKey,
      before: describeSchedule(row),
      after: describeSchedule(after!),
    })
    return describeSchedule(after!)
  })
}

export async function listSchedules(
  db: Db,
  filter: { env?: string | undefined; state?: ScheduleRow['state'] | undefined },
) {
  await requireEnvironmentFilter(db, filter.env)
  const conditions = []
  if (filter.env) conditions.push(eq(tables.schedules.envKey, filter.env))
  if (filter.state) conditions.push(eq(tables.schedules.state, filter.state))
  const rows = await db
    .select()
    .from(tables.schedules)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(tables.schedules.at))
  return rows.map(describeSchedule)
}

/**
 * Applies every due scheduled change once (claimed with FOR UPDATE SKIP LOCKED in the same
 * transaction as the change). A change the flag no longer accepts is marked failed, with why.
 */
export async function runDueSchedules(deps: DomainDeps, now: Date, limit = 100): Promise<number> {
  let done = 0
  for (; done < limit; done++) {
    let claimed: ScheduleRow | undefined
    try {
      claimed = await writeTransaction(deps, async (tx, w) => {
        const [row] = await tx
          .select()
          .from(tables.schedules)
          .where(and(eq(tables.schedules.state, 'pending'), lte(tables.schedules.at, now)))
          .orderBy(asc(tables.schedules.at))
          .limit(1)
          .for('update', { skipLocked: true })
        if (!row) return undefined
        claimed = row
        await updateFlagConfigInTx(
          tx,
          w,
          {
            actor: `schedule:${row.id}`,
            comment: row.comment ?? `scheduled for ${row.at.toISOString()}`,
          },
          row.flagKey,
          row.envKey,
          (current) => mergeConfig(current, row.patch),
          {
            action: 'schedule.apply',
          },
        )
        await tx
          .update(tables.schedules)
          .set({ state: 'done', executedAt: now })
          .where(eq(tables.schedules.id, row.id))
        return row
      })
    } catch (error) {
      if (!claimed || !isDomainError(error)) throw error
      const failed = claimed
      await writeTransaction(deps, async (tx) => {
        await tx
          .update(tables.schedules)
          .set({ state: 'failed', error: error.message, executedAt: now })
          .where(and(eq(tables.schedules.id, failed.id), eq(tables.schedules.state, 'pending')))
      })
      continue
    }
    if (!claimed) break
  }
  return done
}
