import type { BusEvent, ChangeBus } from '../db/bus.js'
import type { Db, Tx } from '../db/client.js'
import { bumpEnvVersion } from './changes.js'

export interface DomainDeps {
  db: Db
  bus: ChangeBus
}

/** Who is making a change and why. */
export interface ChangeActor {
  actor: string
  comment?: string | null | undefined
}

export interface EnvTouch {
  flags?: string[]
  deletedFlags?: string[]
  segments?: string[]
  deletedSegments?: string[]
}

/** What one write transaction changed; turned into bus events once it commits. */
export interface WriteContext {
  /** Events that are not environment changes (key revocations, new environments). */
  events: BusEvent[]
  /**
   * Records that flags or segments of `env` changed and returns the environment's new version.
   * The version is bumped once per transaction, so everything one transaction changes in an
   * environment reaches SDKs as one batch.
   */
  touch(env: string, changes: EnvTouch): Promise<number>
}

interface EnvChanges {
  version: number
  flags: Map<string, boolean>
  segments: Map<string, boolean>
}

/**
 * Runs `fn` in one transaction and publishes what it changed once the transaction has
 * committed (never before, never on rollback).
 */
export async function writeTransaction<T>(deps: DomainDeps, fn: (tx: Tx, w: WriteContext) => Promise<T>): Promise<T> {
  const events: BusEvent[] = []
  const envs = new Map<string, EnvChanges>()
  let sentInTransaction = false
  const result = await deps.db.transaction(async (tx) => {
    const w: WriteContext = {
      events,
      async touch(env, changes) {
        let entry = envs.get(env)
        if (!entry) {
          entry = { version: await bumpEnvVersion(tx, env), flags: new Map(), segments: new Map() }
          envs.set(env, entry)
        }
        for (const key of changes.flags ?? []) entry.flags.set(key, true)
        for (const key of changes.deletedFlags ?? []) entry.flags.set(key, false)
        for (const key of changes.segments ?? []) entry.segments.set(key, true)
        for (const key of changes.deletedSegments ?? []) entry.segments.set(key, false)
        return entry.version
      },
    }
    const value = await fn(tx, w)
    const all = [...envEvents(envs), ...events]
    // Postgres: NOTIFY inside the transaction, so events leave at commit, in commit order.
    if (all.length > 0 && deps.bus.publishInTransaction) sentInTransaction = await deps.bus.publishInTransaction(tx, all)
    return value
  })
  for (const event of [...envEvents(envs), ...events]) {
    if (sentInTransaction) deps.bus.deliverLocally(event)
    else deps.bus.publish(event)
  }
  return result
}

function envEvents(envs: Map<string, EnvChanges>): BusEvent[] {
  const pick = (map: Map<string, boolean>, present: boolean) => [...map].filter(([, p]) => p === present).map(([k]) => k)
  return [...envs].map(([env, c]) => ({
    type: 'env-changed' as const,
    env,
    version: c.version,
    upserted: pick(c.flags, true),
    deleted: pick(c.flags, false),
    segmentsUpserted: pick(c.segments, true),
    segmentsDeleted: pick(c.segments, false),
  }))
}
