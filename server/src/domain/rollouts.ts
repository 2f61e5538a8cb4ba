import type { FlagEnvConfig } from '@switchyard/core'
import { and, desc, eq, inArray } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { RolloutGuard, RolloutRow, RolloutStage } from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from './errors.js'
import { requireEnvironmentField, requireEnvironmentFilter } from './environment-refs.js'
import { updateFlagConfigInTx } from './flag-configs.js'
import { advance } from './rollout-stages.js'
import { newId } from './secrets.js'

export interface CreateRolloutInput {
  flag: string
  env: string
  variation: number
  stages: RolloutStage[]
  guard: RolloutGuard
  comment?: string | undefined
}

export function describeRollout(row: RolloutRow) {
  const stage = row.currentStage >= 0 ? row.stages[row.currentStage] : undefined
  return {
    id: row.id,
    flag: row.flagKey,
    env: row.envKey,
    variation: row.variation,
    baseline: row.baseline,
    stages: row.stages.map((s) => ({ percent: s.percent, afterMs: s.afterMs })),
    state: row.state,
    currentStage: row.currentStage,
    currentPercent: stage?.percent ?? 0,
    nextAt: row.nextAt?.toISOString() ?? null,
    pauseReason: row.pauseReason,
    guard: row.guard,
    comment: row.comment,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export async function createRollout(
  deps: DomainDeps,
  who: ChangeActor,
  input: CreateRolloutInput,
  now: Date,
) {
  const errors: FieldError[] = []
  for (let i = 1; i < input.stages.length; i++) {
    if (input.stages[i]!.percent < input.stages[i - 1]!.percent) {
      errors.push({
        path: `stages.${i}.percent`,
        code: 'not_increasing',
        message: 'stage percentages must not go down',
      })
    }
  }
  if (errors.length) throw new ValidationError(errors)
  return writeTransaction(deps, async (tx, w) => {
    await requireEnvironmentField(tx, input.env)
    const [flag] = await tx.select().from(tables.flags).where(eq(tables.flags.key, input.flag))
    if (!flag)
      throw new ValidationError([
        { path: 'flag', code: 'not_found', message: `flag '${input.flag}' does not exist` },
      ])
    if (input.variation >= flag.variations.length) {
      throw new ValidationError([
        {
          path: 'variation',
          code: 'out_of_range',
          message: `flag '${flag.key}' has no variation ${input.variation}`,
        },
      ])
    }
    if (input.guard && 'triggers' in input.guard && input.guard.triggers.length > 0) {
      const found = await tx
        .select({
          id: tables.triggers.id,
          flagKey: tables.triggers.flagKey,
          envKey: tables.triggers.envKey,
        })
        .from(tables.triggers)
        .where(inArray(tables.triggers.id, input.guard.triggers))
      const known = new Map(found.map((t) => [t.id, t]))
      input.guard.triggers.forEach((id, i) => {
        const trigger = known.get(id)
        if (!trigger)
          errors.push({
            path: `guard.triggers.${i}`,
            code: 'not_found',
            message: `trigger '${id}' does not exist`,
          })
        else if (trigger.flagKey !== input.flag || trigger.envKey !== input.env) {
          errors.push({
            path: `guard.triggers.${i}`,
            code: 'other_flag',
            message: `trigger '${id}' acts on ${trigger.flagKey} in ${trigger.envKey}, not on this rollout's flag`,
          })
        }
      })
      if (errors.length) throw new ValidationError(errors)
    }
    const [config] = await tx
      .select()
      .from(tables.flagConfigs)
      .where(
        and(eq(tables.flagConfigs.flagKey, input.flag), eq(tables.flagConfigs.envKey, input.env)),
      )
      .for('update')
    // Checked under the config row's lock, so two concurrent creations cannot both pass.
    const running = await tx
      .select({ id: tables.rollouts.id })
      .from(tables.rollouts)
      .where(
        and(
          eq(tables.rollouts.flagKey, input.flag),
          eq(tables.rollouts.envKey, input.env),
          inArray(tables.rollouts.state, ['active', 'paused']),
        ),
      )
    if (running.length > 0)
      throw new ConflictError(`flag '${input.flag}' already has a rollout in '${input.env}'`, {
        rollout: running[0]!.id,
      })
    const before = config!.config
    const baseline = baselineOf(before, input.variation)
    if (baseline === null) {
      throw new ValidationError([
        {
          path: 'variation',
          code: 'no_baseline',
          message: 'the flag already serves this variation to everyone; nothing to roll out',
        },
      ])
    }
    const [row] = await tx
      .insert(tables.rollouts)
      .values({
        id: newId('rol'),
        flagKey: input.flag,
        envKey: input.env,
        variation: input.variation,
        baseline,
        stages: input.stages,
        state: 'active',
        nextAt: new Date(now.getTime() + input.stages[0]!.afterMs),
        guard: input.guard,
        before: { on: before.on, fallthrough: before.fallthrough },
        comment: input.comment ?? null,
        createdBy: who.actor,
      })
      .returning()
    await recordChange(tx, {
      ...who,
      action: 'rollout.create',
      env: input.env,
      flag: input.flag,
      after: describeRollout(row!),
    })
    // A first stage due now is applied at once, in this transaction.
    const current = input.stages[0]!.afterMs === 0 ? await advance(tx, w, row!, now) : row!
    return describeRollout(current)
  })
}

/** Who everyone else keeps getting: the fixed fallthrough if it is another variation, else the off variation. */
function baselineOf(config: FlagEnvConfig, variation: number): number | null {
  const fallthrough = config.fallthrough
  if ('variation' in fallthrough && fallthrough.variation !== variation)
    return fallthrough.variation
  if (config.offVariation !== variation) return config.offVariation
  return null
}

async function lockRollout(tx: Tx, id: string) {
  const [row] = await tx
    .select()
    .from(tables.rollouts)
    .where(eq(tables.rollouts.id, id))
    .for('update')
  if (!row) throw new NotFoundError('rollout', id)
  return row
}

const wrongState = (row: RolloutRow, verb: string) =>
  new ConflictError(`rollout ${row.id} is ${row.state}; it cannot be ${verb}`, { state: row.state })

export async function pauseRollout(deps: DomainDeps, who: ChangeActor, id: string, now: Date) {
  return writeTransaction(deps, async (tx) => {
    const row = await lockRollout(tx, id)
    if (row.state !== 'active') throw wrongState(row, 'paused')
    const [after] = await tx
      .update(tables.rollouts)
      .set({
        state: 'paused',
        nextAt: null,
        pausedRemainingMs: Math.max(0, (row.nextAt?.getTime() ?? now.getTime()) - now.getTime()),
        pauseReason: who.comment ?? 'paused',
        updatedAt: now,
      })
      .where(eq(tables.rollouts.id, id))
      .returning()
    await recordChange(tx, {
      ...who,
      action: 'rollout.pause',
      env: row.envKey,
      flag: row.flagKey,
      before: describeRollout(row),
      after: describeRollout(after!),
    })
    return describeRollout(after!)
  })
}

export async function resumeRollout(deps: DomainDeps, who: ChangeActor, id: string, now: Date) {
  return writeTransaction(deps, async (tx) => {
    const row = await lockRollout(tx, id)
    if (row.state !== 'paused') throw wrongState(row, 'resumed')
    const [after] = await tx
      .update(tables.rollouts)
      .set({
        state: 'active',
        nextAt: new Date(now.getTime() + (row.pausedRemainingMs ?? 0)),
        pausedRemainingMs: null,
        pauseReason: null,
        updatedAt: now,
      })
      .where(eq(tables.rollouts.id, id))
      .returning()
    await recordChange(tx, {
      ...who,
      action: 'rollout.resume',
      env: row.envKey,
      flag: row.flagKey,
      before: describeRollout(row),
      after: describeRollout(after!),
    })
    return describeRollout(after!)
  })
}

/** Stops the rollout and puts the flag's `on` and fallthrough back to where they stood before it. */
export async function abortRollout(deps: DomainDeps, who: ChangeActor, id: string, now: Date) {
  return writeTransaction(deps, async (tx, w) => {
    const row = await lockRollout(tx, id)
    if (row.state !== 'active' && row.state !== 'paused') throw wrongState(row, 'aborted')
    await updateFlagConfigInTx(
      tx,
      w,
      {
        actor: who.actor,
        comment: `abort rollout ${row.id}${who.comment ? `: ${who.comment}` : ''}`,
      },
      row.flagKey,
      row.envKey,
      (current) => ({
        ...current,
        on: row.before.on,
        fallthrough: row.before.fallthrough,
      }),
      { action: 'rollout.abort' },
    )
    const [after] = await tx
      .update(tables.rollouts)
      .set({ state: 'aborted', nextAt: null, updatedAt: now })
      .where(eq(tables.rollouts.id, id))
      .returning()
    await recordChange(tx, {
      ...who,
      action: 'rollout.abort',
      env: row.envKey,
      flag: row.flagKey,
      before: describeRollout(row),
      after: describeRollout(after!),
    })
    return describeRollout(after!)
  })
}

export async function getRollout(db: Db, id: string) {
  const [row] = await db.select().from(tables.rollouts).where(eq(tables.rollouts.id, id))
  if (!row) throw new NotFoundError('rollout', id)
  return describeRollout(row)
}

export async function listRollouts(
  db: Db,
  filter: {
    env?: string | undefined
    state?: RolloutRow['state'] | undefined
    flag?: string | undefined
  },
) {
  await requireEnvironmentFilter(db, filter.env)
  const conditions = []
  if (filter.env) conditions.push(eq(tables.rollouts.envKey, filter.env))
  if (filter.state) conditions.push(eq(tables.rollouts.state, filter.state))
  if (filter.flag) conditions.push(eq(tables.rollouts.flagKey, filter.flag))
  const rows = await db
    .select()
    .from(tables.rollouts)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(tables.rollouts.createdAt))
  return rows.map(describeRollout)
}
