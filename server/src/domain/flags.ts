import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import {
  compileFlag,
  type FlagEnvConfig,
  type FlagKind,
  type JsonValue,
  type Serve,
  type WireFlag,
} from '@switchyard/core'
import { and, arrayContains, asc, eq, gt, inArray } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { StoredVariation } from '../db/schema/index.js'
import type { CreateFlagBody, UpdateFlagBody } from '../schemas/flag.js'
import { recordChange } from './changes.js'
import {
  lockFlagsAndEnvironments,
  writeTransaction,
  type ChangeActor,
  type DomainDeps,
  type WriteContext,
} from './write-transaction.js'
import { getEnvironment } from './environments.js'
import {
  AlreadyExistsError,
  ConflictError,
  NotFoundError,
  ValidationError,
  VersionConflictError,
  type FieldError,
} from './errors.js'
import { defaultEnvConfig } from './flag-defaults.js'

export type FlagRow = typeof tables.flags.$inferSelect
type ConfigRow = typeof tables.flagConfigs.$inferSelect

export type CreateFlagInput = Omit<CreateFlagBody, 'comment'>
export type UpdateFlagInput = Omit<UpdateFlagBody, 'comment'>

/** Config fields a caller may write; `salt` and `version` are the server's. */
export type ConfigInput = Omit<FlagEnvConfig, 'salt' | 'rules'> & {
  rules: Array<Omit<FlagEnvConfig['rules'][number], 'id'> & { id?: string | undefined }>
}

export function describeFlag(row: FlagRow) {
  return {
    key: row.key,
    name: row.name,
    description: row.description,
    kind: row.kind,
    variations: row.variations,
    tags: row.tags,
    clientSide: row.clientSide,
    temporary: row.temporary,
    safetyValve: row.safetyValve,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export function describeConfig(row: ConfigRow) {
  return {
    flag: row.flagKey,
    env: row.envKey,
    version: row.version,
    ...row.config,
    // Kill state at a glance: globally off, and any targeted kill rules in front.
    killSwitch: {
      killed: !row.config.on,
      rules: row.config.rules.filter((r) => r.kill).map((r) => ({ id: r.id, clauses: r.clauses })),
    },
    updatedAt: row.updatedAt.toISOString(),
  }
}

export function toWireFlag(flag: FlagRow, config: ConfigRow): WireFlag {
  return {
    key: flag.key,
    kind: flag.kind,
    variations: flag.variations.map((v) => v.value),
    clientSide: flag.clientSide,
    version: config.version,
    on: config.config.on,
    offVariation: config.config.offVariation,
    targets: config.config.targets,
    rules: config.config.rules,
    fallthrough: config.config.fallthrough,
    prerequisites: config.config.prerequisites,
    salt: config.config.salt,
  }
}

function matchesKind(kind: FlagKind, value: JsonValue): boolean {
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean'
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'json':
      return true
  }
}

function validateVariations(kind: FlagKind, variations: StoredVariation[]): FieldError[] {
  const errors: FieldError[] = []
  if (variations.length < 2) {
    errors.push({
      path: 'variations',
      code: 'too_small',
      message: 'a flag needs at least 2 variations',
    })
  }
  const seen = new Set<string>()
  variations.forEach((v, i) => {
    if (!matchesKind(kind, v.value)) {
      errors.push({
        path: `variations.${i}.value`,
        code: 'invalid_type',
        message: `must be a ${kind} value`,
      })
    }
    const json = JSON.stringify(v.value)
    if (seen.has(json))
      errors.push({
        path: `variations.${i}.value`,
        code: 'duplicate',
        message: 'variation values must be distinct',
      })
    seen.add(json)
  })
  return errors
}

function checkServe(serve: Serve, count: number, path: string, errors: FieldError[]) {
  if ('variation' in serve) {
    if (serve.variation >= count) {
      errors.push({
        path: `${path}.variation`,
        code: 'out_of_range',
        message: `variation index ${serve.variation} does not exist (the flag has ${count})`,
      })
    }
  } else if (serve.rollout.weights.length !== count) {
    errors.push({
      path: `${path}.rollout.weights`,
      code: 'invalid_length',
      message: `needs one weight per variation (${count})`,
    })
  }
}

/** Checks a config against its flag's variations: every index exists, one weight per variation. */
export function validateConfig(config: ConfigInput, count: number): FieldError[] {
  const errors: FieldError[] = []
  if (config.offVariation >= count) {
    errors.push({
      path: 'offVariation',
      code: 'out_of_range',
      message: `variation index ${config.offVariation} does not exist (the flag has ${count})`,
    })
  }
  checkServe(config.fallthrough, count, 'fallthrough', errors)
  config.targets.forEach((t, i) => {
    if (t.variation >= count)
      errors.push({
        path: `targets.${i}.variation`,
        code: 'out_of_range',
        message: `variation index ${t.variation} does not exist`,
      })
  })
  const ids = new Set<string>()
  config.rules.forEach((r, i) => {
    checkServe(r.serve, count, `rules.${i}.serve`, errors)
    if (r.id !== undefined) {
      if (ids.has(r.id))
        errors.push({
          path: `rules.${i}.id`,
          code: 'duplicate',
          message: `rule id '${r.id}' is used twice`,
        })
      ids.add(r.id)
    }
  })
  return errors
}

async function checkPrerequisites(
  tx: Tx,
  flagKey: string,
  env: string,
  config: ConfigInput,
): Promise<FieldError[]> {
  const errors: FieldError[] = []
  if (config.prerequisites.length === 0) return errors
  const keys = config.prerequisites.map((p) => p.flag)
  const rows = await tx
    .select({ key: tables.flags.key, variations: tables.flags.variations })
    .from(tables.flags)
    .where(inArray(tables.flags.key, keys))
  const byKey = new Map(rows.map((r) => [r.key, r.variations.length]))
  config.prerequisites.forEach((p, i) => {
    if (p.flag === flagKey) {
      errors.push({
        path: `prerequisites.${i}.flag`,
        code: 'cycle',
        message: 'a flag cannot be its own prerequisite',
      })
      return
    }
    const count = byKey.get(p.flag)
    if (count === undefined)
      errors.push({
        path: `prerequisites.${i}.flag`,
        code: 'not_found',
        message: `flag '${p.flag}' does not exist`,
      })
    else if (p.variation >= count)
      errors.push({
        path: `prerequisites.${i}.variation`,
        code: 'out_of_range',
        message: `flag '${p.flag}' has no variation ${p.variation}`,
      })
  })
  if (errors.length > 0) return errors
  // Walk the prerequisite graph of this environment to refuse cycles.
  const all = await tx
    .select({ flagKey: tables.flagConfigs.flagKey, config: tables.flagConfigs.config })
    .from(tables.flagConfigs)
    .where(eq(tables.flagConfigs.envKey, env))
  const edges = new Map(all.map((r) => [r.flagKey, r.config.prerequisites.map((p) => p.flag)]))
  edges.set(flagKey, keys)
  const visiting = new Set<string>()
  const done = new Set<string>()
  const visit = (key: string): boolean => {
    if (visiting.has(key)) return true
    if (done.has(key)) return false
    visiting.add(key)
    for (const next of edges.get(key) ?? []) if (visit(next)) return true
    visiting.delete(key)
    done.add(key)
    return false
  }
  if (visit(flagKey))
    errors.push({ path: 'prerequisites', code: 'cycle', message: 'prerequisites form a cycle' })
  return errors
}

/** segmentMatch clauses must name segments that exist in this environment. */
async function checkSegmentRefs(tx: Tx, env: string, config: ConfigInput): Promise<FieldError[]> {
  const refs: Array<{ path: string; key: unknown }> = []
  config.rules.forEach((rule, r) =>
    rule.clauses.forEach((clause, c) => {
      if (clause.op !== 'segmentMatch') return
      clause.values.forEach((key, v) =>
        refs.push({ path: `rules.${r}.clauses.${c}.values.${v}`, key }),
      )
    }),
  )
  if (refs.length === 0) return []
  const rows = await tx
    .select({ key: tables.segments.key })
    .from(tables.segments)
    .where(eq(tables.segments.envKey, env))
  const known = new Set(rows.map((r) => r.key))
  return refs
    .filter((ref) => typeof ref.key !== 'string' || !known.has(ref.key))
    .map((ref) => ({
      path: ref.path,
      code: 'not_found',
      message:
        typeof ref.key === 'string'
          ? `segment '${ref.key}' does not exist in '${env}'`
          : 'must be a segment key',
    }))
}

async function loadFlag(tx: Tx | Db, key: string, lock = false): Promise<FlagRow> {
  const query = tx.select().from(tables.flags).where(eq(tables.flags.key, key))
  const [row] = lock ? await query.for('update') : await query
  if (!row) throw new NotFoundError('flag', key)
  return row
}

async function allEnvKeys(tx: Tx): Promise<string[]> {
  const rows = await tx
    .select({ key: tables.environments.key })
    .from(tables.environments)
    .orderBy(asc(tables.environments.key))
  return rows.map((r) => r.key)
}

export async function createFlag(deps: DomainDeps, who: ChangeActor, input: CreateFlagInput) {
  const kind: FlagKind = input.kind ?? 'boolean'
  if (input.safetyValve && kind !== 'boolean') {
    throw new ValidationError([
      {
        path: 'safetyValve',
        code: 'invalid_kind',
        message: 'a safety valve must be a boolean flag',
      },
    ])
  }
  let variations = input.variations
  if (!variations) {
    if (kind !== 'boolean')
      throw new ValidationError([
        {
          path: 'variations',
          code: 'required',
          message: `variations are required for ${kind} flags`,
        },
      ])
    variations = [{ value: true }, { value: false }]
  }
  const errors = validateVariations(kind, variations)
  if (errors.length) throw new ValidationError(errors)
  return writeTransaction(deps, async (tx, w) => {
    await lockFlagsAndEnvironments(tx)
    const inserted = await tx
      .insert(tables.flags)
      .values({
        key: input.key,
        name: input.name ?? input.key,
        description: input.description ?? '',
        kind,
        variations: variations,
        tags: input.tags ?? [],
        clientSide: input.clientSide ?? false,
        temporary: input.temporary ?? !input.safetyValve,
        safetyValve: input.safetyValve ?? false,
      })
      .onConflictDoNothing()
      .returning()
    const flag = inserted[0]
    if (!flag) throw new AlreadyExistsError('flag', input.key)
    const envs = await allEnvKeys(tx)
    const environments: Record<string, ReturnType<typeof describeConfig>> = {}
    for (const env of envs) {
      const [config] = await tx
        .insert(tables.flagConfigs)
        .values({ flagKey: flag.key, envKey: env, config: defaultEnvConfig(kind, variations) })
        .returning()
      await w.touch(env, { flags: [toWireFlag(flag, config!)] })
      environments[env] = describeConfig(config!)
    }
    await recordChange(tx, {
      ...who,
      action: 'flag.create',
      flag: flag.key,
      after: describeFlag(flag),
    })
    return { ...describeFlag(flag), environments }
  })
}

export interface FlagListQuery {
  tag?: string | undefined
  limit: number
  cursor?: string | undefined
}

export async function listFlags(db: Db, query: FlagListQuery) {
  const conditions = []
  if (query.tag) conditions.push(arrayContains(tables.flags.tags, [query.tag]))
  if (query.cursor) conditions.push(gt(tables.flags.key, query.cursor))
  const rows = await db
    .select()
    .from(tables.flags)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(tables.flags.key))
    .limit(query.limit + 1)
  const page = rows.slice(0, query.limit)
  const summaries = await envSummaries(
    db,
    page.map((r) => r.key),
  )
  const items = page.map((r) => ({ ...describeFlag(r), environments: summaries.get(r.key) ?? {} }))
  const last = page[page.length - 1]
  return { items, nextCursor: rows.length > query.limit && last ? last.key : null }
}

async function envSummaries(db: Db, keys: string[]) {
  const result = new Map<
    string,
    Record<string, { on: boolean; version: number; killRules: number }>
  >()
  if (keys.length === 0) return result
  const rows = await db
    .select()
    .from(tables.flagConfigs)
    .where(inArray(tables.flagConfigs.flagKey, keys))
  for (const row of rows) {
    const entry = result.get(row.flagKey) ?? {}
    entry[row.envKey] = {
      on: row.config.on,
      version: row.version,
      killRules: row.config.rules.filter((r) => r.kill).length,
    }
    result.set(row.flagKey, entry)
  }
  return result
}

export async function getFlag(db: Db, key: string) {
  const flag = await loadFlag(db, key)
  const configs = await db
    .select()
    .from(tables.flagConfigs)
    .where(eq(tables.flagConfigs.flagKey, key))
    .orderBy(asc(tables.flagConfigs.envKey))
  const environments: Record<string, ReturnType<typeof describeConfig>> = {}
  for (const c of configs) environments[c.envKey] = describeConfig(c)
  return { ...describeFlag(flag), environments }
}

export async function updateFlag(
  deps: DomainDeps,
  who: ChangeActor,
  key: string,
  input: UpdateFlagInput,
) {
  return writeTransaction(deps, async (tx, w) => {
    const before = await loadFlag(tx, key, true)
    if (input.safetyValve && before.kind !== 'boolean') {
      throw new ValidationError([
        {
          path: 'safetyValve',
          code: 'invalid_kind',
          message: 'a safety valve must be a boolean flag',
        },
      ])
    }
    const variations = input.variations ?? before.variations
    if (input.variations) {
      const errors = validateVariations(before.kind, variations)
      if (errors.length) throw new ValidationError(errors)
    }
    const configs = await tx
      .select()
      .from(tables.flagConfigs)
      .where(eq(tables.flagConfigs.flagKey, key))
      .for('update')
    if (input.variations && variations.length < before.variations.length) {
      // Other flags' prerequisites and running rollouts must not point past the new end either.
      const others = await tx
        .select({
          flagKey: tables.flagConfigs.flagKey,
          envKey: tables.flagConfigs.envKey,
          config: tables.flagConfigs.config,
        })
        .from(tables.flagConfigs)
      const users = others
        .filter((o) =>
          o.config.prerequisites.some((p) => p.flag === key && p.variation >= variations.length),
        )
        .map((o) => ({ flag: o.flagKey, env: o.envKey }))
      const rollouts = await tx
        .select({
          id: tables.rollouts.id,
          envKey: tables.rollouts.envKey,
          variation: tables.rollouts.variation,
          baseline: tables.rollouts.baseline,
        })
        .from(tables.rollouts)
        .where(
          and(
            eq(tables.rollouts.flagKey, key),
            inArray(tables.rollouts.state, ['active', 'paused']),
          ),
        )
      const rolloutUsers = rollouts.filter(
        (r) => r.variation >= variations.length || r.baseline >= variations.length,
      )
      if (users.length || rolloutUsers.length) {
        throw new ConflictError(
          `flag '${key}' has variations in use by prerequisites or rollouts`,
          {
            usedBy: [...users, ...rolloutUsers.map((r) => ({ rollout: r.id, env: r.envKey }))],
          },
        )
      }
    }
    if (input.variations) {
      // Every environment's config must still point at existing variations.
      for (const c of configs) {
        const errors = validateConfig(c.config, variations.length)
        if (errors.length) {
          throw new ValidationError([
            {
              path: 'variations',
              code: 'in_use',
              message: `environment '${c.envKey}' refers to variations that would no longer exist (${errors.map((e) => e.path).join(', ')})`,
            },
          ])
        }
      }
    }
    const [after] = await tx
      .update(tables.flags)
      .set({
        name: input.name ?? before.name,
        description: input.description ?? before.description,
        variations,
        tags: input.tags ?? before.tags,
        clientSide: input.clientSide ?? before.clientSide,
        temporary: input.temporary ?? before.temporary,
        safetyValve: input.safetyValve ?? before.safetyValve,
        version: before.version + 1,
        updatedAt: new Date(),
      })
      .where(eq(tables.flags.key, key))
      .returning()
    // The wire form of the flag changed in every environment: bump each config and stream it.
    const affectsWire =
      input.variations !== undefined ||
      (input.clientSide !== undefined && input.clientSide !== before.clientSide)
    if (affectsWire) {
      for (const c of configs) {
        const [config] = await tx
          .update(tables.flagConfigs)
          .set({ version: c.version + 1, updatedAt: new Date() })
          .where(and(eq(tables.flagConfigs.flagKey, key), eq(tables.flagConfigs.envKey, c.envKey)))
          .returning()
        await w.touch(c.envKey, { flags: [toWireFlag(after!, config!)] })
      }
    }
    await recordChange(tx, {
      ...who,
      action: 'flag.update',
      flag: key,
      before: describeFlag(before),
      after: describeFlag(after!),
    })
    return describeFlag(after!)
  })
}

export async function deleteFlag(deps: DomainDeps, who: ChangeActor, key: string) {
  return writeTransaction(deps, async (tx, w) => {
    const before = await loadFlag(tx, key, true)
    const configs = await tx
      .select()
      .from(tables.flagConfigs)
      .where(eq(tables.flagConfigs.flagKey, key))
    // Refuse to delete a flag another flag depends on.
    const dependents = await tx
      .select({
        flagKey: tables.flagConfigs.flagKey,
        envKey: tables.flagConfigs.envKey,
        config: tables.flagConfigs.config,
      })
      .from(tables.flagConfigs)
    const users = dependents.filter(
      (d) => d.flagKey !== key && d.config.prerequisites.some((p) => p.flag === key),
    )
    if (users.length > 0) {
      throw new ConflictError(`flag '${key}' is a prerequisite of other flags`, {
        usedBy: users.map((u) => ({ flag: u.flagKey, env: u.envKey })),
      })
    }
    await tx.delete(tables.flags).where(eq(tables.flags.key, key))
    for (const c of configs) {
      await w.touch(c.envKey, { deletedFlags: [key] })
    }
    const environments: Record<string, ReturnType<typeof describeConfig>> = {}
    for (const c of configs) environments[c.envKey] = describeConfig(c)
    await recordChange(tx, {
      ...who,
      action: 'flag.delete',
      flag: key,
      before: { ...describeFlag(before), environments },
    })
  })
}

/** A flag and its config in one environment, in one query (the write path runs it on every change). */
async function loadFlagAndConfig(
  tx: Tx | Db,
  key: string,
  env: string,
  lock = false,
): Promise<{ flag: FlagRow; config: ConfigRow }> {
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

/** A compiler problem (`rules.0.clauses.1: message`) as a field error. */
export function problemToError(
  problem: string,
  code = 'invalid_config',
  rename: (path: string) => string = (p) => p,
): FieldError {
  const match = /^([\w.]+): (.*)$/.exec(problem)
  return { path: match ? rename(match[1]!) : '', code, message: match?.[2] ?? problem }
}

/**
 * Every problem the compiler finds, not just the first: the compiler stops at one, so a config
 * that fails is compiled again rule by rule to name each rule that is wrong.
 */
function compileProblems(flag: FlagRow, row: ConfigRow, config: FlagEnvConfig): FieldError[] {
  const whole = compileFlag(toWireFlag(flag, { ...row, config }))
  if (!whole.problem) return []
  const errors: FieldError[] = []
  config.rules.forEach((rule, i) => {
    const single = compileFlag(toWireFlag(flag, { ...row, config: { ...config, rules: [rule] } }))
    if (single.problem?.startsWith('rules.0'))
      errors.push(
        problemToError(single.problem, 'invalid_config', (p) =>
          p.replace(/^rules\.0/, `rules.${i}`),
        ),
      )
  })
  const withoutRules = compileFlag(toWireFlag(flag, { ...row, config: { ...config, rules: [] } }))
  if (withoutRules.problem) errors.push(problemToError(withoutRules.problem))
  return errors.length > 0 ? errors : [problemToError(whole.problem)]
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

/** Every reason `input` cannot replace `current`: variations, prerequisites, segments, then the compiler. */
async function configErrors(
  tx: Tx,
  flag: FlagRow,
  current: ConfigRow,
  input: ConfigInput,
): Promise<FieldError[]> {
  const errors = [
    ...validateConfig(input, flag.variations.length),
    ...(await checkPrerequisites(tx, flag.key, current.envKey, input)),
    ...(await checkSegmentRefs(tx, current.envKey, input)),
  ]
  if (errors.length) return errors
  // The evaluator is the last judge: a config it cannot compile is refused, never stored.
  return compileProblems(flag, current, withRuleIds(input, current.config.salt))
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
