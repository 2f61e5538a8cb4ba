import type { FlagKind } from '@switchyard/core'
import { and, arrayContains, asc, eq, gt, inArray } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { FlagRow } from '../db/schema/index.js'
import type { CreateFlagBody, UpdateFlagBody } from '../schemas/flag.js'
import { recordChange } from './changes.js'
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from './errors.js'
import { defaultEnvConfig } from './flag-defaults.js'
import { describeConfig, describeFlag } from './flag-presenters.js'
import { validateConfig, validateVariations } from './flag-validation.js'
import { toWireFlag } from './wire.js'
import {
  lockFlagsAndEnvironments,
  writeTransaction,
  type ChangeActor,
  type DomainDeps,
} from './write-transaction.js'

export type CreateFlagInput = Omit<CreateFlagBody, 'comment'>
export type UpdateFlagInput = Omit<UpdateFlagBody, 'comment'>

export async function loadFlag(tx: Tx | Db, key: string, lock = false): Promise<FlagRow> {
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
