import { and, asc, eq, lte } from 'drizzle-orm'
import type { Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { RolloutRow } from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { isDomainError } from './errors.js'
import { actorOf, advance, setPercent } from './rollout-stages.js'
import { describeRollout } from './rollouts.js'
import { writeTransaction, type DomainDeps, type WriteContext } from './write-transaction.js'

/**
 * Runs every due rollout step once. Each step claims its row with FOR UPDATE SKIP LOCKED in the
 * same transaction as the flag change, so with several replicas each step runs exactly once,
 * and a replica dying mid-step leaves it to the next tick.
 */
export async function runDueRollouts(deps: DomainDeps, now: Date, limit = 100): Promise<number> {
  let done = 0
  for (; done < limit; done++) {
    let claimed: RolloutRow | undefined
    try {
      const advanced = await writeTransaction(deps, async (tx, w) => {
        const [row] = await tx
          .select()
          .from(tables.rollouts)
          .where(and(eq(tables.rollouts.state, 'active'), lte(tables.rollouts.nextAt, now)))
          .orderBy(asc(tables.rollouts.nextAt))
          .limit(1)
          .for('update', { skipLocked: true })
        if (!row) return false
        claimed = row
        await advance(tx, w, row, now)
        return true
      })
      if (!advanced) break
    } catch (error) {
      if (!claimed || !isDomainError(error)) throw error
      // The flag no longer accepts this step (e.g. its variations changed): pause, saying why,
      // rather than retrying it forever ahead of every other rollout.
      await pauseForError(deps, claimed, `step failed: ${error.message}`, now)
    }
  }
  return done
}

async function pauseForError(deps: DomainDeps, row: RolloutRow, reason: string, now: Date) {
  await writeTransaction(deps, async (tx) => {
    const [after] = await tx
      .update(tables.rollouts)
      .set({
        state: 'paused',
        nextAt: null,
        pausedRemainingMs: 0,
        pauseReason: reason.slice(0, 2000),
        updatedAt: now,
      })
      .where(and(eq(tables.rollouts.id, row.id), eq(tables.rollouts.state, 'active')))
      .returning()
    if (after) {
      await recordChange(tx, {
        actor: actorOf(row),
        comment: reason,
        action: 'rollout.pause',
        env: row.envKey,
        flag: row.flagKey,
        before: describeRollout(row),
        after: describeRollout(after),
      })
    }
  })
}

/**
 * Guarded rollouts: called inside a trigger's transaction. Every active rollout of the flag that
 * this trigger guards goes back to its last safe stage (or 0%) and pauses, saying why.
 */
export async function rollBackGuardedRollouts(
  tx: Tx,
  w: WriteContext,
  trigger: { id: string; name: string; flagKey: string; envKey: string },
  why: string,
  now: Date,
) {
  const rows = await tx
    .select()
    .from(tables.rollouts)
    .where(
      and(
        eq(tables.rollouts.flagKey, trigger.flagKey),
        eq(tables.rollouts.envKey, trigger.envKey),
        eq(tables.rollouts.state, 'active'),
      ),
    )
    .for('update')
  const guarded = rows.filter(
    (r) => r.guard && ('anyTrigger' in r.guard || r.guard.triggers.includes(trigger.id)),
  )
  for (const row of guarded) {
    const safe = Math.max(-1, row.currentStage - 1)
    const percent = safe >= 0 ? row.stages[safe]!.percent : 0
    const reason = `trigger ${trigger.name} fired (${why}); rolled back to ${percent}%`
    await setPercent(
      tx,
      w,
      row,
      percent,
      { actor: actorOf(row), comment: reason },
      'rollout.rollback',
      false,
    )
    const [after] = await tx
      .update(tables.rollouts)
      .set({
        state: 'paused',
        currentStage: safe,
        nextAt: null,
        // Resuming retries the stage that failed after its usual wait.
        pausedRemainingMs: row.stages[safe + 1]!.afterMs,
        pauseReason: reason,
        updatedAt: now,
      })
      .where(eq(tables.rollouts.id, row.id))
      .returning()
    await recordChange(tx, {
      actor: `trigger:${trigger.name}`,
      comment: reason,
      action: 'rollout.pause',
      env: row.envKey,
      flag: row.flagKey,
      before: describeRollout(row),
      after: describeRollout(after!),
    })
  }
  return guarded.length
}
