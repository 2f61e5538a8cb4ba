import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { FlagEnvConfig } from '@switchyard/core'
import { and, eq } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { FlagConfigRow, FlagRow } from '../db/schema/index.js'
import { recordChange } from './changes.js'
import { getEnvironment } from './environments.js'
import { NotFoundError, ValidationError, VersionConflictError, type FieldError } from './errors.js'
import { describeConfig } from './flag-presenters.js'
import {
  checkSegmentRefs,
  compileProblems,
  validateConfig,
  type ConfigInput,
} from './flag-validation.js'
import { loadFlag } from './flags.js'
import { unsafePatternErrors } from './pattern-safety.js'
import { checkPrerequisites } from './prerequisite-graph.js'
import { toWireFlag } from './wire.js'
import {
  writeTransaction,
  type ChangeActor,
  type DomainDeps,
  type WriteContext,
} from './write-transaction.js'

/** A flag and its config in one environment, in one query (the write path runs it on every change). */
async function loadFlagAndConfig(
  tx: Tx | Db,
  key: string,
  env: string,
  lock = false,
): Promise<{ flag: FlagRow; config: FlagConfigRow }> {
  // why: share-lock the flag row first (updateFlag and deleteFlag lock it, then the configs), so
  // the flag read below is the committed one: locking only the config row let a write that had
  // waited for it validate against variations a concurrent updateFlag had just removed.
  if (lock)
    await tx
      .select({ key: tables.flags.key })
      .from(tables.flags)
      .where(eq(tables.flags.key, key))
      .for('share')
  const query = tx
    .select()
    .from(tables.flagConfigs)
    .innerJoin(tables.flags, eq(tables.flags.key, tables.flagConfigs.flagKey))
    .where(and(eq(tables.flagConfigs.flagKey, key), eq(tables.flagConfigs.envKey, env)))
  const [row] = lock ? await query.for('update', { of: tables.flagConfigs }) : await query
  if (row) return { flag: row.flags, config: row.flag_configs }
  // Say which one is missing.
  await loadFlag(tx, key)
  await getEnvironment(tx, env)
  throw new NotFoundError('flag config', `${key}/${env}`)
}

export async function getFlagConfig(db: Db, key: string, env: string) {
  return describeConfig((await loadFlagAndConfig(db, key, env)).config)
}

/** Assigns ids to rules that have none (kept stable across later writes). */
function withRuleIds(config: ConfigInput, salt: string): FlagEnvConfig {
  return {
    on: config.on,
    offVariation: config.offVariation,
    targets: config.targets,
    rules: config.rules.map((r) => ({ ...r, id: r.id ?? randomUUID() })),
    fallthrough: config.fallthrough,
    prerequisites: config.prerequisites,
    salt,
  }
}

export interface ConfigWriteOptions {
  /** Expected config version (If-Match); a mismatch answers 412. */
  ifMatch?: number | undefined
  action: string
  /** Treat a write that changes nothing as a no-op (no version bump, no change record). */
  skipIfUnchanged?: boolean
}

/** A config with the given top-level fields replaced (PATCH semantics). */
export function mergeConfig(current: ConfigInput, patch: Partial<ConfigInput>): ConfigInput {
  return {
    on: patch.on ?? current.on,
    offVariation: patch.offVariation ?? current.offVariation,
    targets: patch.targets ?? current.targets,
    rules: patch.rules ?? current.rules,
    fallthrough: patch.fallthrough ?? current.fallthrough,
    prerequisites: patch.prerequisites ?? current.prerequisites,
  }
}

export type ConfigUpdate = (current: FlagEnvConfig, flag: FlagRow) => ConfigInput

/**
 * Every reason `input` cannot replace `current`: variations, prerequisites, segments, then the
 * compiler, then the safety of new `matches` patterns.
 */
async function configErrors(
  tx: Tx,
  flag: FlagRow,
  current: FlagConfigRow,
  input: ConfigInput,
): Promise<FieldError[]> {
  const errors = [
    ...validateConfig(input, flag.variations.length),
    ...(await checkPrerequisites(tx, flag.key, current.envKey, input)),
    ...(await checkSegmentRefs(tx, current.envKey, input)),
  ]
  if (errors.length) return errors
  // The evaluator judges next: a config it cannot compile is refused, never stored.
  const compileErrors = compileProblems(flag, current, withRuleIds(input, current.config.salt))
  if (compileErrors.length) return compileErrors
  // Last, since it is the slowest: patterns that could stall OFREP's evaluation.
  return unsafePatternErrors(input.rules, current.config.rules)
}

/**
 * Why a PATCH-style change could not be applied to a flag's config right now (a scheduled change
 * is checked when it is created, and again when it runs); empty when it could.
 */
export async function configPatchErrors(
  tx: Tx,
  key: string,
  env: string,
  patch: Partial<ConfigInput>,
): Promise<FieldError[]> {
  const { flag, config } = await loadFlagAndConfig(tx, key, env)
  return configErrors(tx, flag, config, mergeConfig(config.config, patch))
}

/**
 * Writes a flag's config in one environment: validates it, bumps the config and environment
 * versions, writes the change record and publishes the change after commit.
 */
export async function writeFlagConfig(
  deps: DomainDeps,
  who: ChangeActor,
  key: string,
  env: string,
  update: ConfigUpdate,
  options: ConfigWriteOptions,
) {
  return writeTransaction(deps, (tx, w) =>
    updateFlagConfigInTx(tx, w, who, key, env, update, options),
  )
}

/** Replaces a flag's config in one environment (PUT); `ifMatch` is the version the caller read. */
export async function replaceFlagConfig(
  deps: DomainDeps,
  who: ChangeActor,
  key: string,
  env: string,
  config: ConfigInput,
  ifMatch?: number,
) {
  return writeFlagConfig(deps, who, key, env, () => config, {
    ifMatch,
    action: 'flag.config.replace',
  })
}

/** Changes the given top-level fields of a flag's config in one environment (PATCH). */
export async function patchFlagConfig(
  deps: DomainDeps,
  who: ChangeActor,
  key: string,
  env: string,
  patch: Partial<ConfigInput>,
  ifMatch?: number,
) {
  return writeFlagConfig(deps, who, key, env, (current) => mergeConfig(current, patch), {
    ifMatch,
    action: 'flag.config.patch',
  })
}

/** The body of writeFlagConfig, for writes that change several configs in one transaction. */
export async function updateFlagConfigInTx(
  tx: Tx,
  w: WriteContext,
  who: ChangeActor,
  key: string,
  env: string,
  update: ConfigUpdate,
  options: ConfigWriteOptions,
) {
  const { flag, config: current } = await loadFlagAndConfig(tx, key, env, true)
  if (options.ifMatch !== undefined && options.ifMatch !== current.version) {
    throw new VersionConflictError(options.ifMatch, current.version)
  }
  const input = update(current.config, flag)
  const errors = await configErrors(tx, flag, current, input)
  if (errors.length) throw new ValidationError(errors)
  const next = withRuleIds(input, current.config.salt)
  if (options.skipIfUnchanged && isDeepStrictEqual(next, current.config)) {
    return { changed: false, config: describeConfig(current) }
  }
  // The flag row comes back from this statement, not from the read above: under read committed
  // that read may predate a metadata change committed while it waited for the row lock, and the
  // wire form handed to the stream must be exactly what this transaction commits.
  const [updated] = await tx
    .update(tables.flagConfigs)
    .set({ config: next, version: current.version + 1, updatedAt: new Date() })
    .from(tables.flags)
    .where(
      and(
        eq(tables.flagConfigs.flagKey, key),
        eq(tables.flagConfigs.envKey, env),
        eq(tables.flags.key, tables.flagConfigs.flagKey),
      ),
    )
    .returning()
  const { flags: flagRow, ...row } = updated!
  const version = await w.touch(env, { flags: [toWireFlag(flagRow, row)] })
  const after = describeConfig(row)
  await recordChange(tx, {
    ...who,
    action: options.action,
    env,
    flag: key,
    before: describeConfig(current),
    after,
    version,
  })
  return { changed: true, config: after }
}
