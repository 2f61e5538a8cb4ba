import { and, eq, sql } from 'drizzle-orm'
import * as tables from '../db/schema/index.js'
import type { TriggerAction } from '../db/schema/index.js'
import { parseAlerts, type AlertEvent } from './alert-payloads.js'
import {
  InvalidJsonError,
  InvalidSignatureError,
  RateLimitedError,
  UnknownTriggerError,
  ValidationError,
} from './errors.js'
import { updateFlagConfigInTx } from './flag-configs.js'
import { killUpdate, restoreUpdate } from './kill-switch.js'
import { rollBackGuardedRollouts } from './rollout-steps.js'
import { throttleUpdate } from './safety-valves.js'
import { hashSecret, isSameHash } from './secrets.js'
import { signatureScheme, verifySignature } from './trigger-signatures.js'
import { writeTransaction, type DomainDeps } from './write-transaction.js'

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
