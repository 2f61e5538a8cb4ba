import { BUCKET_SCALE, type Serve } from '@switchyard/core'
import { eq } from 'drizzle-orm'
import type { Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { RolloutRow } from '../db/schema/index.js'
import { updateFlagConfigInTx } from './flag-configs.js'
import type { ConfigInput } from './flag-validation.js'
import type { ChangeActor, WriteContext } from './write-transaction.js'

/** The fallthrough that serves `variation` to `percent` of contexts and `baseline` to the rest. */
export function serveAtPercent(
  row: Pick<RolloutRow, 'variation' | 'baseline'>,
  variations: number,
  percent: number,
): Serve {
  if (percent >= 100) return { variation: row.variation }
  if (percent <= 0) return { variation: row.baseline }
  const weights: number[] = Array.from({ length: variations }, () => 0)
  const share = Math.round(percent * (BUCKET_SCALE / 100))
  weights[row.variation] = share
  weights[row.baseline] = BUCKET_SCALE - share
  return { rollout: { weights } }
}

export const actorOf = (row: Pick<RolloutRow, 'id'>) => `schedule:${row.id}`

export async function setPercent(
  tx: Tx,
  w: WriteContext,
  row: RolloutRow,
  percent: number,
  who: ChangeActor,
  action: string,
  turnOn: boolean,
) {
  await updateFlagConfigInTx(
    tx,
    w,
    who,
    row.flagKey,
    row.envKey,
    (current, flag): ConfigInput => ({
      ...current,
      on: turnOn ? true : current.on,
      fallthrough: serveAtPercent(row, flag.variations.length, percent),
    }),
    { action },
  )
}

/** Applies the next stage of a rollout (row locked by the caller) and schedules the one after. */
export async function advance(
  tx: Tx,
  w: WriteContext,
  row: RolloutRow,
  now: Date,
): Promise<RolloutRow> {
  const index = row.currentStage + 1
  const stage = row.stages[index]!
  const last = index === row.stages.length - 1
  await setPercent(
    tx,
    w,
    row,
    stage.percent,
    {
      actor: actorOf(row),
      comment: `rollout ${row.id}: stage ${index + 1} of ${row.stages.length}, ${stage.percent}%`,
    },
    last ? 'rollout.complete' : 'rollout.step',
    index === 0,
  )
  const [next] = await tx
    .update(tables.rollouts)
    .set({
      currentStage: index,
      state: last ? 'completed' : 'active',
      // From now, not from when it was due: a step missed while every replica was down runs once.
      nextAt: last ? null : new Date(now.getTime() + row.stages[index + 1]!.afterMs),
      updatedAt: now,
    })
    .where(eq(tables.rollouts.id, row.id))
    .returning()
  return next!
}
