import { isDeepStrictEqual } from 'node:util'
import { and, asc, desc, eq, gt, gte } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { requireEnvironmentField } from './environment-refs.js'
import { ConflictError, NotFoundError, NotRevertibleError } from './errors.js'
import {
  writeTransaction,
  type ChangeActor,
  type DomainDeps,
  type WriteContext,
} from './write-transaction.js'
import { updateFlagConfigInTx } from './flag-configs.js'
import type { ConfigInput } from './flag-validation.js'
import { deleteSegmentInTx, loadSegment, putSegmentInTx } from './segments.js'

type ChangeRow = typeof tables.changes.$inferSelect

const CONFIG_FIELDS = [
  'on',
  'offVariation',
  'targets',
  'rules',
  'fallthrough',
  'prerequisites',
] as const
const SEGMENT_FIELDS = ['name', 'description', 'included', 'excluded', 'rules'] as const

type Target =
  { kind: 'flag-config'; env: string; key: string } | { kind: 'segment'; env: string; key: string }

function pick<K extends string>(value: unknown, fields: readonly K[]): Record<K, unknown> | null {
  if (!value || typeof value !== 'object') return null
  const source = value as Record<string, unknown>
  return Object.fromEntries(fields.map((f) => [f, source[f]])) as Record<K, unknown>
}

/** What a change touched, if it can be reverted: a flag's config in one environment, or a segment. */
function targetOf(change: ChangeRow): Target | null {
  if (!change.envKey) return null
  const isSegment = (v: unknown) => Array.isArray((v as { included?: unknown } | null)?.included)
  if (isSegment(change.before) || isSegment(change.after)) {
    const key =
      (change.after as { key?: string } | null)?.key ??
      (change.before as { key?: string } | null)?.key
    return key ? { kind: 'segment', env: change.envKey, key } : null
  }
  if (
    change.flagKey &&
    pick(change.before, CONFIG_FIELDS)?.offVariation !== undefined &&
    pick(change.after, CONFIG_FIELDS)?.offVariation !== undefined
  ) {
    return { kind: 'flag-config', env: change.envKey, key: change.flagKey }
  }
  return null
}

/** The current state of what a change touched; with `lock`, the row stays locked until commit. */
async function currentState(
  tx: Tx | Db,
  target: Target,
  lock = false,
): Promise<Record<string, unknown> | null> {
  if (target.kind === 'segment') {
    const row = await loadSegment(tx, target.env, target.key, lock)
    return row
      ? pick({ name: row.name, description: row.description, ...row.definition }, SEGMENT_FIELDS)
      : null
  }
  const query = tx
    .select()
    .from(tables.flagConfigs)
    .where(
      and(eq(tables.flagConfigs.flagKey, target.key), eq(tables.flagConfigs.envKey, target.env)),
    )
  const [row] = lock ? await query.for('update') : await query
  return row ? pick(row.config, CONFIG_FIELDS) : null
}

function stateOf(target: Target, snapshot: unknown): Record<string, unknown> | null {
  return pick(snapshot, target.kind === 'segment' ? SEGMENT_FIELDS : CONFIG_FIELDS)
}

/** Puts a flag config or segment back to `state` (null: the segment did not exist). */
async function applyState(
  tx: Tx,
  w: WriteContext,
  who: ChangeActor,
  target: Target,
  state: Record<string, unknown> | null,
) {
  if (target.kind === 'flag-config') {
    await updateFlagConfigInTx(
      tx,
      w,
      who,
      target.key,
      target.env,
      () => state as unknown as ConfigInput,
      { action: 'change.revert' },
    )
    return
  }
  if (state === null) {
    await deleteSegmentInTx(tx, w, who, target.env, target.key, 'change.revert')
    return
  }
  const segment = state as {
    name: string
    description: string
    included: string[]
    excluded: string[]
    rules: never[]
  }
  await putSegmentInTx(tx, w, who, target.env, target.key, segment, undefined, 'change.revert')
}

function revertComment(ids: number[], comment: string | null | undefined) {
  const what = `revert of ${ids.map((id) => `#${id}`).join(', ')}`
  return comment ? `${what}: ${comment}` : what
}

/**
 * Restores the before-state of one change, if what it changed has not changed since
 * (else 409 with the later changes and the current state).
 */
export async function revertChange(deps: DomainDeps, who: ChangeActor, id: number) {
  return writeTransaction(deps, async (tx, w) => {
    const [change] = await tx.select().from(tables.changes).where(eq(tables.changes.id, id))
    if (!change) throw new NotFoundError('change', String(id))
    const target = targetOf(change)
    if (!target) throw new NotRevertibleError(change.id, change.action)
    // Locked: a concurrent write waits, so what is checked is what gets replaced.
    const current = await currentState(tx, target, true)
    const expected = stateOf(target, change.after)
    if (!isDeepStrictEqual(current, expected)) {
      const later = await laterChanges(tx, change, target)
      throw new ConflictError(
        `${target.kind === 'segment' ? 'segment' : 'flag'} '${target.key}' in '${target.env}' has changed since change #${id}`,
        {
          code: 'changed-since',
          laterChanges: later.map((c) => ({
            id: c.id,
            time: c.createdAt.toISOString(),
            actor: c.actor,
            action: c.action,
            comment: c.comment,
          })),
          current,
          expected,
        },
      )
    }
    await applyState(
      tx,
      w,
      { actor: who.actor, comment: revertComment([id], who.comment) },
      target,
      stateOf(target, change.before),
    )
    return { reverted: { id, ...target }, state: stateOf(target, change.before) }
  })
}

async function laterChanges(tx: Tx, change: ChangeRow, target: Target) {
  const rows = await tx
    .select()
    .from(tables.changes)
    .where(and(gt(tables.changes.id, change.id), eq(tables.changes.envKey, target.env)))
    .orderBy(asc(tables.changes.id))
  return rows.filter((r) => {
    const t = targetOf(r)
    return t && t.kind === target.kind && t.key === target.key
  })
}

export interface WindowRevertInput {
  since: Date
  env: string
  dryRun: boolean
}

/**
 * Reverts everything changed in `env` since `since`, newest first, in one transaction: each
 * flag config and segment goes back to how it stood before its first change in the window.
 * With dryRun, answers the plan and writes nothing.
 */
export async function revertWindow(deps: DomainDeps, who: ChangeActor, input: WindowRevertInput) {
  await requireEnvironmentField(deps.db, input.env)
  const plan = async (tx: Tx | Db) => {
    const rows = await tx
      .select()
      .from(tables.changes)
      .where(and(eq(tables.changes.envKey, input.env), gte(tables.changes.createdAt, input.since)))
      .orderBy(desc(tables.changes.id))
    const groups = new Map<string, { target: Target; changes: ChangeRow[] }>()
    const skipped: Array<{ id: number; action: string; reason: string }> = []
    for (const row of rows) {
      const target = targetOf(row)
      if (!target) {
        skipped.push({ id: row.id, action: row.action, reason: 'not revertible' })
        continue
      }
      const key = `${target.kind}:${target.key}`
      const group = groups.get(key) ?? { target, changes: [] }
      group.changes.push(row)
      groups.set(key, group)
    }
    const steps = []
    for (const { target, changes } of groups.values()) {
      const oldest = changes[changes.length - 1]!
      const state = stateOf(target, oldest.before)
      const current = await currentState(tx, target, !input.dryRun)
      if (isDeepStrictEqual(current, state)) continue
      if (target.kind === 'flag-config' && current === null) {
        skipped.push({
          id: changes[0]!.id,
          action: changes[0]!.action,
          reason: `flag '${target.key}' no longer exists`,
        })
        continue
      }
      steps.push({ ...target, changes: changes.map((c) => c.id), from: current, to: state })
    }
    return { steps, skipped }
  }
  if (input.dryRun) {
    const { steps, skipped } = await plan(deps.db)
    return {
      dryRun: true,
      env: input.env,
      since: input.since.toISOString(),
      reverted: steps,
      skipped,
    }
  }
  return writeTransaction(deps, async (tx, w) => {
    const { steps, skipped } = await plan(tx)
    for (const step of steps) {
      const target: Target = { kind: step.kind, env: step.env, key: step.key }
      await applyState(
        tx,
        w,
        { actor: who.actor, comment: revertComment(step.changes, who.comment) },
        target,
        step.to,
      )
    }
    return {
      dryRun: false,
      env: input.env,
      since: input.since.toISOString(),
      reverted: steps,
      skipped,
    }
  })
}
