import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { Clause, FlagEnvConfig } from '@switchyard/core'
import { and, arrayContains, asc, eq, sql } from 'drizzle-orm'
import type { Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { writeTransaction, type ChangeActor, type DomainDeps } from './write-transaction.js'
import { getEnvironment } from './environments.js'
import { NotFoundError } from './errors.js'
import { updateFlagConfigInTx, writeFlagConfig, type ConfigUpdate } from './flag-configs.js'
import { describeConfig } from './flag-presenters.js'
import type { ConfigInput } from './flag-validation.js'
import { passVariation } from './safety-valves.js'

/** Index of the variation a kill serves: the config's offVariation. */
function killRule(config: FlagEnvConfig, clauses: Clause[]) {
  return {
    id: `kill-${randomUUID().slice(0, 8)}`,
    description: 'Kill switch',
    kill: true,
    clauses,
    serve: { variation: config.offVariation },
  }
}

/**
 * Kill switch. Without clauses: the flag is turned off (serves offVariation to everyone).
 * With clauses: a kill rule goes in front of all other rules, serving the off variation to the
 * matching contexts only. Idempotent: the same kill twice changes nothing the second time.
 */
export function killUpdate(clauses?: Clause[]): ConfigUpdate {
  return (current) => {
    if (!clauses) return { ...current, on: false }
    const exists = current.rules.some((r) => r.kill && isDeepStrictEqual(r.clauses, clauses))
    return exists ? current : { ...current, rules: [killRule(current, clauses), ...current.rules] }
  }
}

export async function killFlag(
  deps: DomainDeps,
  who: ChangeActor,
  key: string,
  env: string,
  clauses?: Clause[],
) {
  return writeFlagConfig(deps, who, key, env, killUpdate(clauses), {
    action: clauses ? 'flag.kill.targeted' : 'flag.kill',
    skipIfUnchanged: true,
  })
}

/**
 * Restore. With a rule id: removes that one kill rule. Without: removes every kill rule, turns
 * the flag on and, for a safety valve, opens it fully.
 */
export function restoreUpdate(ruleId?: string): ConfigUpdate {
  return (current, flag): ConfigInput => {
    if (ruleId !== undefined) {
      if (!current.rules.some((r) => r.kill && r.id === ruleId))
        throw new NotFoundError('kill rule', ruleId)
      return { ...current, rules: current.rules.filter((r) => r.id !== ruleId) }
    }
    const rules = current.rules.filter((r) => !r.kill)
    const fallthrough = flag.safetyValve ? { variation: passVariation(flag) } : current.fallthrough
    return { ...current, on: true, rules, fallthrough }
  }
}

export async function restoreFlag(
  deps: DomainDeps,
  who: ChangeActor,
  key: string,
  env: string,
  ruleId?: string,
) {
  if (ruleId === undefined)
    return writeFlagConfig(deps, who, key, env, restoreUpdate(), {
      action: 'flag.restore',
      skipIfUnchanged: true,
    })
  return writeTransaction(deps, async (tx, w) => {
    const [row] = await tx
      .select()
      .from(tables.flagConfigs)
      .where(and(eq(tables.flagConfigs.flagKey, key), eq(tables.flagConfigs.envKey, env)))
      .for('update')
    // Restoring a kill rule that is already gone is a repeat (idempotent like kill), not a typo.
    if (
      row &&
      !row.config.rules.some((r) => r.kill && r.id === ruleId) &&
      (await hadKillRule(tx, key, env, ruleId))
    ) {
      return { changed: false, config: describeConfig(row) }
    }
    return updateFlagConfigInTx(tx, w, who, key, env, restoreUpdate(ruleId), {
      action: 'flag.restore.targeted',
      skipIfUnchanged: true,
    })
  })
}

/** Whether `ruleId` was ever a kill rule of this flag's config in `env`, by the change log. */
async function hadKillRule(tx: Tx, key: string, env: string, ruleId: string): Promise<boolean> {
  const [seen] = await tx
    .select({ id: tables.changes.id })
    .from(tables.changes)
    .where(
      and(
        eq(tables.changes.flagKey, key),
        eq(tables.changes.envKey, env),
        sql`${tables.changes.before} -> 'rules' @> ${JSON.stringify([{ id: ruleId, kill: true }])}::jsonb`,
      ),
    )
    .limit(1)
  return seen !== undefined
}

/**
 * Kills (or restores) every flag with `tag` in one environment, in one transaction: SDKs get
 * the whole set at one version, never a half-killed state.
 */
export async function setTagOn(
  deps: DomainDeps,
  who: ChangeActor,
  env: string,
  tag: string,
  on: boolean,
) {
  return writeTransaction(deps, async (tx, w) => {
    await getEnvironment(tx, env)
    const flags = await tx
      .select({ key: tables.flags.key })
      .from(tables.flags)
      .where(arrayContains(tables.flags.tags, [tag]))
      .orderBy(asc(tables.flags.key))
    const changed: string[] = []
    const unchanged: string[] = []
    for (const { key } of flags) {
      const result = await updateFlagConfigInTx(
        tx,
        w,
        who,
        key,
        env,
        (current) => ({ ...current, on }),
        {
          action: on ? 'flag.restore.tag' : 'flag.kill.tag',
          skipIfUnchanged: true,
        },
      )
      ;(result.changed ? changed : unchanged).push(key)
    }
    return { tag, env, changed, unchanged }
  })
}
