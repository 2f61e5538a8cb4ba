import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import {
  parseAlerts,
  signatureScheme,
  verifySignature,
  type AlertEvent,
} from '../triggers/payloads.js'
import { recordChange } from './changes.js'
import {
  InvalidJsonError,
  InvalidSignatureError,
  NotFoundError,
  RateLimitedError,
  UnknownTriggerError,
  ValidationError,
} from './errors.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { requireEnvironmentField } from './environments.js'
import { updateFlagConfigInTx } from './flag-configs.js'
import { killUpdate, restoreUpdate } from './kill-switch.js'
import { throttleUpdate } from './safety-valves.js'
import { rollBackGuardedRollouts } from './rollouts.js'
import { generateSecret, hashSecret, isSameHash, newId, secretPrefix } from './secrets.js'

type TriggerRow = typeof tables.triggers.$inferSelect
export type TriggerAction = TriggerRow['action']
export type TriggerFormat = TriggerRow['format']

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

/** Longer than any token handed out (50 characters): not worth hashing. */
const MAX_TOKEN_LENGTH = 256

export interface FireResult {
  trigger: string
  alerts: number
  acted: TriggerAction | 'undo' | null
  changed: boolean
  /** Guarded rollouts rolled back and paused by this delivery. */
  rolledBack: number
}

/**
 * Handles a monitoring tool's delivery: verifies it, records each alert's state, acts when an
 * alert starts firing, and undoes the action when every alert has resolved (if asked to).
 */
export async function fireTrigger(
  deps: DomainDeps,
  token: string,
  rawBody: string,
  header: (name: string) => string | undefined,
  allow: (triggerId: string) => boolean,
): Promise<FireResult> {
  if (token.length > MAX_TOKEN_LENGTH) throw new UnknownTriggerError()
  const hash = hashSecret(token)
  const [trigger] = await deps.db
    .select()
    .from(tables.triggers)
    .where(eq(tables.triggers.tokenHash, hash))
  if (!trigger || !trigger.enabled || !isSameHash(trigger.tokenHash, hash))
    throw new UnknownTriggerError()
  if (!allow(trigger.id)) {
    // An alert that was rate-limited must still arrive once the bucket refills: retry soon.
    throw new RateLimitedError(`trigger '${trigger.name}' is rate-limited; retry shortly`, 2)
  }
  if (
    trigger.signingSecret &&
    !verifySignature(trigger.format, trigger.signingSecret, rawBody, header)
  ) {
    const { header, algorithm } = signatureScheme(trigger.format)
    throw new InvalidSignatureError(trigger.format, header, algorithm)
  }
  let body: unknown = {}
  if (rawBody.trim() !== '') {
    try {
      body = JSON.parse(rawBody)
    } catch (error) {
      throw new InvalidJsonError((error as Error).message)
    }
  }
  const parsed = parseAlerts(trigger.format, body)
  if (!parsed.ok)
    throw new ValidationError([{ path: '', code: 'invalid_payload', message: parsed.message }])

  return writeTransaction(deps, async (tx, w) => {
    // Serialise deliveries for one trigger so repeated notifications act exactly once.
    const [locked] = await tx
      .select()
      .from(tables.triggers)
      .where(eq(tables.triggers.id, trigger.id))
      .for('update')
    if (!locked || !locked.enabled) throw new UnknownTriggerError()
    const started: AlertEvent[] = []
    const resolved: AlertEvent[] = []
    for (const alert of parsed.alerts) {
      const [previous] = await tx
        .select({ status: tables.triggerAlerts.status })
        .from(tables.triggerAlerts)
        .where(
          and(
            eq(tables.triggerAlerts.triggerId, trigger.id),
            eq(tables.triggerAlerts.alertKey, alert.key),
          ),
        )
      if (previous?.status === alert.status) continue
      if (alert.status === 'firing') started.push(alert)
      else if (previous?.status === 'firing') resolved.push(alert)
      await tx
        .insert(tables.triggerAlerts)
        .values({ triggerId: trigger.id, alertKey: alert.key, status: alert.status })
        .onConflictDoUpdate({
          target: [tables.triggerAlerts.triggerId, tables.triggerAlerts.alertKey],
          set: { status: alert.status, updatedAt: new Date() },
        })
    }
    const result: FireResult = {
      trigger: trigger.id,
      alerts: parsed.alerts.length,
      acted: null,
      changed: false,
      rolledBack: 0,
    }
    const who = (alerts: AlertEvent[], verb: string) => ({
      actor: `trigger:${trigger.name}`,
      comment:
        `${verb} by ${trigger.format} alert ${alerts.map((a) => `${a.summary} [${a.key}]`).join('; ')}`.slice(
          0,
          2000,
        ),
    })
    if (started.length > 0) {
      const update =
        trigger.action === 'kill'
          ? killUpdate()
          : trigger.action === 'restore'
            ? restoreUpdate()
            : throttleUpdate(trigger.percent ?? 0)
      const outcome = await updateFlagConfigInTx(
        tx,
        w,
        who(started, 'fired'),
        trigger.flagKey,
        trigger.envKey,
        update,
        {
          action: `trigger.${trigger.action}`,
          skipIfUnchanged: true,
        },
      )
      result.acted = trigger.action
      result.changed = outcome.changed
      // Guarded rollouts of this flag go back to their last safe stage and pause.
      const why = started.map((a) => a.summary).join('; ')
      result.rolledBack = await rollBackGuardedRollouts(tx, w, trigger, why, new Date())
    } else if (
      resolved.length > 0 &&
      trigger.onResolved === 'restore' &&
      trigger.action !== 'restore'
    ) {
      const [stillFiring] = await tx
        .select({ key: tables.triggerAlerts.alertKey })
        .from(tables.triggerAlerts)
        .where(
          and(
            eq(tables.triggerAlerts.triggerId, trigger.id),
            eq(tables.triggerAlerts.status, 'firing'),
          ),
        )
        .limit(1)
      if (!stillFiring) {
        const outcome = await updateFlagConfigInTx(
          tx,
          w,
          who(resolved, 'resolved'),
          trigger.flagKey,
          trigger.envKey,
          restoreUpdate(),
          {
            action: 'trigger.resolve',
            skipIfUnchanged: true,
          },
        )
        result.acted = 'undo'
        result.changed = outcome.changed
      }
    }
    await tx
      .update(tables.triggers)
      .set({ fireCount: sql`${tables.triggers.fireCount} + 1`, lastFiredAt: new Date() })
      .where(eq(tables.triggers.id, trigger.id))
    return result
  })
}
