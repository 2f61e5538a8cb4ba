import { BUCKET_SCALE, type FlagEnvConfig } from '@switchyard/core'
import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { getEnvironment } from './environments.js'
import { ValidationError } from './errors.js'
import type { FlagRow } from '../db/schema/index.js'
import { writeFlagConfig, type ConfigUpdate } from './flag-configs.js'
import type { ChangeActor, DomainDeps } from './write-transaction.js'

/** The variation a safety valve lets through: its `true` variation. */
export function passVariation(flag: FlagRow): number {
  const index = flag.variations.findIndex((v) => v.value === true)
  return index < 0 ? 0 : index
}

/** Percent (0–100, up to three decimals) as a rollout weight of BUCKET_SCALE. */
export function percentToWeight(percent: number): number {
  return Math.round(percent * (BUCKET_SCALE / 100))
}

/**
 * Safety valve: lets `percent` of contexts through (the `true` variation), sticky by bucketing
 * on the context key, so the same contexts keep access as the valve closes and opens.
 */
export function throttleUpdate(percent: number): ConfigUpdate {
  return (current, flag) => {
    if (flag.kind !== 'boolean') {
      throw new ValidationError([
        {
          path: 'percent',
          code: 'invalid_kind',
          message: `only boolean flags can be throttled; '${flag.key}' is a ${flag.kind} flag`,
        },
      ])
    }
    const pass = passVariation(flag)
    const weights = flag.variations.map(() => 0)
    const open = percentToWeight(percent)
    weights[pass] = open
    weights[pass === 0 ? 1 : 0] = BUCKET_SCALE - open
    return { ...current, on: true, fallthrough: { rollout: { weights } } }
  }
}

export async function throttleFlag(
  deps: DomainDeps,
  who: ChangeActor,
  key: string,
  env: string,
  percent: number,
) {
  return writeFlagConfig(deps, who, key, env, throttleUpdate(percent), {
    action: 'flag.throttle',
    skipIfUnchanged: true,
  })
}

/** How far a valve is open in one environment, in percent (100 when not throttled). */
function opening(flag: FlagRow, config: FlagEnvConfig): number {
  if (!config.on) return 0
  const pass = passVariation(flag)
  const serve = config.fallthrough
  if ('variation' in serve) return serve.variation === pass ? 100 : 0
  return (serve.rollout.weights[pass] ?? 0) / (BUCKET_SCALE / 100)
}

/** Safety valves of an environment with their current opening. */
export async function listValves(db: Db, env: string) {
  await getEnvironment(db, env)
  const rows = await db
    .select()
    .from(tables.flags)
    .innerJoin(tables.flagConfigs, eq(tables.flagConfigs.flagKey, tables.flags.key))
    .where(and(eq(tables.flagConfigs.envKey, env), eq(tables.flags.safetyValve, true)))
    .orderBy(asc(tables.flags.key))
  return rows.map(({ flags: flag, flag_configs: config }) => ({
    flag: flag.key,
    name: flag.name,
    env,
    on: config.config.on,
    open: opening(flag, config.config),
    version: config.version,
    updatedAt: config.updatedAt.toISOString(),
  }))
}
