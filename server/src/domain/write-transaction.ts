import type { WireFlag, WireSegment } from '@switchyard/core'
import { eq, sql } from 'drizzle-orm'
import type { BusEvent, ChangeBus, WrittenState } from '../db/bus.js'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'

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
  /** Flags created or changed: their wire form as this transaction leaves them, or just the key. */
  flags?: Array<WireFlag | string>
  deletedFlags?: string[]
  /** Segments created or changed: their wire form as this transaction leaves them, or just the key. */
  segments?: Array<WireSegment | string>
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

/** Per key: the wire form written (the after-state), `true` when changed but not given, `false` when deleted. */
type Touched<T> = Map<string, T | boolean>

interface EnvChanges {
  version: number
  flags: Touched<WireFlag>
  segments: Touched<WireSegment>
}

/**
 * Runs `fn` in one transaction and publishes what it changed once the transaction has
 * committed (never before, never on rollback).
 */
export async function writeTransaction<T>(
  deps: DomainDeps,
  fn: (tx: Tx, w: WriteContext) => Promise<T>,
): Promise<T> {
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
        // A later touch of the same key replaces what an earlier one said: the last write wins.
        for (const flag of changes.flags ?? [])
          entry.flags.set(
            typeof flag === 'string' ? flag : flag.key,
            typeof flag === 'string' ? true : flag,
          )
        for (const key of changes.deletedFlags ?? []) entry.flags.set(key, false)
        for (const segment of changes.segments ?? [])
          entry.segments.set(
            typeof segment === 'string' ? segment : segment.key,
            typeof segment === 'string' ? true : segment,
          )
        for (const key of changes.deletedSegments ?? []) entry.segments.set(key, false)
        return entry.version
      },
    }
    const value = await fn(tx, w)
    const all = [...envEvents(envs), ...events]
    // Postgres: NOTIFY inside the transaction, so events leave at commit, in commit order.
    if (all.length > 0 && deps.bus.publishInTransaction)
      sentInTransaction = await deps.bus.publishInTransaction(tx, all)
    return value
  })
  // This process's own listeners also get what was written: its snapshots need not read it back.
  for (const event of [...envEvents(envs, true), ...events]) {
    if (sentInTransaction) deps.bus.deliverLocally(event)
    else deps.bus.publish(event)
  }
  return result
}

function envEvents(envs: Map<string, EnvChanges>, withWritten = false): BusEvent[] {
  const upserted = (map: Touched<unknown>) =>
    [...map].filter(([, v]) => v !== false).map(([k]) => k)
  const deleted = (map: Touched<unknown>) => [...map].filter(([, v]) => v === false).map(([k]) => k)
  return [...envs].map(([env, c]) => {
    const event: Extract<BusEvent, { type: 'env-changed' }> = {
      type: 'env-changed',
      env,
      version: c.version,
      upserted: upserted(c.flags),
      deleted: deleted(c.flags),
      segmentsUpserted: upserted(c.segments),
      segmentsDeleted: deleted(c.segments),
    }
    if (withWritten) {
      const written = writtenState(c)
      if (written) event.written = written
    }
    return event
  })
}

/** The after-state of every upserted key, when the writer gave all of them; else undefined. */
function writtenState(c: EnvChanges): WrittenState | undefined {
  const flags: WireFlag[] = []
  const segments: WireSegment[] = []
  for (const value of c.flags.values()) {
    if (value === true) return undefined
    if (value !== false) flags.push(value)
  }
  for (const value of c.segments.values()) {
    if (value === true) return undefined
    if (value !== false) segments.push(value)
  }
  return { flags, segments }
}

/** Bumps an environment's stream version (locking its row until commit) and returns the new one. */
async function bumpEnvVersion(tx: Tx, env: string): Promise<number> {
  const [row] = await tx
    .update(tables.environments)
    .set({ version: sql`${tables.environments.version} + 1` })
    .where(eq(tables.environments.key, env))
    .returning({ version: tables.environments.version })
  if (!row) throw new Error(`environment ${env} vanished during a write`)
  return row.version
}

/** Serialises creating flags with creating environments, so neither misses the other's rows. */
export async function lockFlagsAndEnvironments(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(7400002)`)
}
