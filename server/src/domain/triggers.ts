import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { TriggerAction, TriggerFormat } from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { NotFoundError, ValidationError } from './errors.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { requireEnvironmentField, requireEnvironmentFilter } from './environment-refs.js'
import { generateSecret, hashSecret, newId, secretPrefix } from './secrets.js'

type TriggerRow = typeof tables.triggers.$inferSelect

/** What a trigger may do and which tools' deliveries it reads; the table stores these enums. */
export {
  TRIGGER_ACTIONS,
  TRIGGER_FORMATS,
  type TriggerAction,
  type TriggerFormat,
} from '../db/schema/index.js'

export interface CreateTriggerInput {
  name: string
  flag: string
  env: string
  action: TriggerAction
  percent?: number | undefined
  format: TriggerFormat
  onResolved?: 'restore' | 'none' | undefined
  secret?: string | undefined
}

export function describeTrigger(row: TriggerRow) {
  return {
    id: row.id,
    name: row.name,
    flag: row.flagKey,
    env: row.envKey,
    action: row.action,
    percent: row.percent,
    format: row.format,
    onResolved: row.onResolved,
    signed: row.signingSecret !== null,
    enabled: row.enabled,
    prefix: row.prefix,
    fireCount: row.fireCount,
    lastFiredAt: row.lastFiredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  }
}

const hookPath = (token: string) => `/hooks/triggers/${token}`

export async function createTrigger(
  deps: DomainDeps,
  who: ChangeActor,
  input: CreateTriggerInput,
  baseUrl: string,
) {
  if (input.action === 'throttle' && input.percent === undefined) {
    throw new ValidationError([
      { path: 'percent', code: 'required', message: 'a throttle trigger needs percent' },
    ])
  }
  if (input.action !== 'throttle' && input.percent !== undefined) {
    throw new ValidationError([
      { path: 'percent', code: 'unexpected', message: 'percent is only for throttle triggers' },
    ])
  }
  const token = generateSecret('trigger')
  return writeTransaction(deps, async (tx) => {
    const [flag] = await tx
      .select({ key: tables.flags.key, kind: tables.flags.kind })
      .from(tables.flags)
      .where(eq(tables.flags.key, input.flag))
    if (!flag)
      throw new ValidationError([
        { path: 'flag', code: 'not_found', message: `flag '${input.flag}' does not exist` },
      ])
    if (input.action === 'throttle' && flag.kind !== 'boolean') {
      throw new ValidationError([
        { path: 'action', code: 'invalid_kind', message: 'only boolean flags can be throttled' },
      ])
    }
    await requireEnvironmentField(tx, input.env)
    const [row] = await tx
      .insert(tables.triggers)
      .values({
        id: newId('trg'),
        name: input.name,
        flagKey: input.flag,
        envKey: input.env,
        action: input.action,
        percent: input.percent ?? null,
        format: input.format,
        onResolved: input.onResolved ?? 'none',
        tokenHash: hashSecret(token),
        prefix: secretPrefix(token),
        signingSecret: input.secret ?? null,
      })
      .returning()
    const described = describeTrigger(row!)
    await recordChange(tx, {
      ...who,
      action: 'trigger.create',
      env: input.env,
      flag: input.flag,
      after: described,
    })
    return { ...described, url: baseUrl + hookPath(token), token }
  })
}

export async function listTriggers(
  db: Db,
  filter: { flag?: string | undefined; env?: string | undefined },
) {
  await requireEnvironmentFilter(db, filter.env)
  const conditions = []
  if (filter.flag) conditions.push(eq(tables.triggers.flagKey, filter.flag))
  if (filter.env) conditions.push(eq(tables.triggers.envKey, filter.env))
  const rows = await db
    .select()
    .from(tables.triggers)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(tables.triggers.createdAt))
  return rows.map(describeTrigger)
}

async function updateTrigger(
  deps: DomainDeps,
  who: ChangeActor,
  id: string,
  action: string,
  change: (row: TriggerRow) => Partial<TriggerRow>,
) {
  return writeTransaction(deps, async (tx) => {
    const [before] = await tx
      .select()
      .from(tables.triggers)
      .where(eq(tables.triggers.id, id))
      .for('update')
    if (!before) throw new NotFoundError('trigger', id)
    const [after] = await tx
      .update(tables.triggers)
      .set({ ...change(before), updatedAt: new Date() })
      .where(eq(tables.triggers.id, id))
      .returning()
    await recordChange(tx, {
      ...who,
      action,
      env: before.envKey,
      flag: before.flagKey,
      before: describeTrigger(before),
      after: describeTrigger(after!),
    })
    return after!
  })
}

export async function setTriggerEnabled(
  deps: DomainDeps,
  who: ChangeActor,
  id: string,
  enabled: boolean,
) {
  return describeTrigger(
    await updateTrigger(deps, who, id, enabled ? 'trigger.enable' : 'trigger.disable', () => ({
      enabled,
    })),
  )
}

/** A new secret URL; the old one stops working at once. */
export async function rotateTrigger(
  deps: DomainDeps,
  who: ChangeActor,
  id: string,
  baseUrl: string,
) {
  const token = generateSecret('trigger')
  const row = await updateTrigger(deps, who, id, 'trigger.rotate', () => ({
    tokenHash: hashSecret(token),
    prefix: secretPrefix(token),
  }))
  return { ...describeTrigger(row), url: baseUrl + hookPath(token), token }
}

export async function deleteTrigger(deps: DomainDeps, who: ChangeActor, id: string) {
  await writeTransaction(deps, async (tx) => {
    const [before] = await tx.delete(tables.triggers).where(eq(tables.triggers.id, id)).returning()
    if (!before) throw new NotFoundError('trigger', id)
    await recordChange(tx, {
      ...who,
      action: 'trigger.delete',
      env: before.envKey,
      flag: before.flagKey,
      before: describeTrigger(before),
    })
  })
}
