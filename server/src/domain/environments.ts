import { and, asc, eq } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { AlreadyExistsError, NotFoundError } from './errors.js'
import { recordChange } from './changes.js'
import {
  lockFlagsAndEnvironments,
  writeTransaction,
  type ChangeActor,
  type DomainDeps,
} from './write-transaction.js'
import { defaultEnvConfig } from './flag-defaults.js'
import type { SdkKeyType } from './sdk-auth.js'
import { generateSecret, hashSecret, newId, secretPrefix } from './secrets.js'

export const DEFAULT_ENVIRONMENTS = [
  { key: 'production', name: 'Production' },
  { key: 'development', name: 'Development' },
] as const

function describeEnvironment(row: typeof tables.environments.$inferSelect) {
  return {
    key: row.key,
    name: row.name,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
  }
}

function describeKey(row: typeof tables.sdkKeys.$inferSelect) {
  return {
    id: row.id,
    env: row.envKey,
    type: row.type,
    prefix: row.prefix,
    ...(row.type === 'client' ? { key: row.clientKey } : {}),
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  }
}

/** Creates the default environments on first start (idempotent, safe with concurrent starts). */
export async function ensureDefaultEnvironments(deps: DomainDeps): Promise<void> {
  const existing = await deps.db.select({ key: tables.environments.key }).from(tables.environments)
  if (existing.length > 0) return
  for (const env of DEFAULT_ENVIRONMENTS) {
    await writeTransaction(deps, async (tx) => {
      const inserted = await tx
        .insert(tables.environments)
        .values(env)
        .onConflictDoNothing()
        .returning()
      if (inserted.length === 0) return
      await recordChange(tx, {
        actor: 'system',
        action: 'environment.create',
        env: env.key,
        after: describeEnvironment(inserted[0]!),
        comment: 'first start',
      })
    })
  }
}

export async function listEnvironments(db: Db) {
  const rows = await db
    .select()
    .from(tables.environments)
    .orderBy(asc(tables.environments.createdAt), asc(tables.environments.key))
  return rows.map(describeEnvironment)
}

export async function getEnvironment(db: Db | Tx, key: string) {
  const [row] = await db.select().from(tables.environments).where(eq(tables.environments.key, key))
  if (!row) throw new NotFoundError('environment', key)
  return describeEnvironment(row)
}

async function insertKey(tx: Tx, env: string, type: SdkKeyType) {
  const secret = generateSecret(type)
  const [row] = await tx
    .insert(tables.sdkKeys)
    .values({
      id: newId('key'),
      envKey: env,
      type,
      keyHash: hashSecret(secret),
      prefix: secretPrefix(secret),
      clientKey: type === 'client' ? secret : null,
    })
    .returning()
  return { row: row!, secret }
}

/** Creates an environment with a server and a client SDK key; every existing flag starts off in it. */
export async function createEnvironment(
  deps: DomainDeps,
  who: ChangeActor,
  input: { key: string; name?: string | undefined },
) {
  return writeTransaction(deps, async (tx, w) => {
    await lockFlagsAndEnvironments(tx)
    const inserted = await tx
      .insert(tables.environments)
      .values({ key: input.key, name: input.name ?? input.key })
      .onConflictDoNothing()
      .returning()
    if (inserted.length === 0) throw new AlreadyExistsError('environment', input.key)
    const flagRows = await tx.select().from(tables.flags)
    if (flagRows.length > 0) {
      await tx.insert(tables.flagConfigs).values(
        flagRows.map((f) => ({
          flagKey: f.key,
          envKey: input.key,
          config: defaultEnvConfig(f.kind, f.variations),
        })),
      )
    }
    const server = await insertKey(tx, input.key, 'server')
    const client = await insertKey(tx, input.key, 'client')
    const env = describeEnvironment(inserted[0]!)
    await recordChange(tx, { ...who, action: 'environment.create', env: input.key, after: env })
    w.events.push({ type: 'environment-created', env: input.key })
    return {
      ...env,
      keys: [
        { ...describeKey(server.row), key: server.secret },
        { ...describeKey(client.row), key: client.secret },
      ],
    }
  })
}

export async function createSdkKey(
  deps: DomainDeps,
  who: ChangeActor,
  env: string,
  type: SdkKeyType,
) {
  return writeTransaction(deps, async (tx) => {
    await getEnvironment(tx, env)
    const { row, secret } = await insertKey(tx, env, type)
    const described = describeKey(row)
    await recordChange(tx, { ...who, action: 'sdk-key.create', env, after: described })
    return { ...described, key: secret }
  })
}

export async function listSdkKeys(db: Db, env: string) {
  await getEnvironment(db, env)
  const rows = await db
    .select()
    .from(tables.sdkKeys)
    .where(eq(tables.sdkKeys.envKey, env))
    .orderBy(asc(tables.sdkKeys.createdAt))
  return rows.map(describeKey)
}

export async function revokeSdkKey(deps: DomainDeps, who: ChangeActor, env: string, id: string) {
  return writeTransaction(deps, async (tx, w) => {
    await getEnvironment(tx, env)
    const [before] = await tx
      .select()
      .from(tables.sdkKeys)
      .where(and(eq(tables.sdkKeys.id, id), eq(tables.sdkKeys.envKey, env)))
      .for('update')
    if (!before) throw new NotFoundError('sdk key', id)
    if (before.revokedAt) return describeKey(before)
    const [after] = await tx
      .update(tables.sdkKeys)
      .set({ revokedAt: new Date() })
      .where(eq(tables.sdkKeys.id, id))
      .returning()
    await recordChange(tx, {
      ...who,
      action: 'sdk-key.revoke',
      env,
      before: describeKey(before),
      after: describeKey(after!),
    })
    w.events.push({ type: 'sdk-key-revoked', keyId: id })
    return describeKey(after!)
  })
}
