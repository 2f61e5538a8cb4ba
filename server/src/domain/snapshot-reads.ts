import type { WireFlag, WireSegment } from '@switchyard/core'
import { and, eq, inArray } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { toWireFlag, toWireSegment } from './wire.js'

export interface EnvSnapshot {
  version: number
  flags: WireFlag[]
  segments: WireSegment[]
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : 1)

/** Reads every flag of an environment and the environment's version, consistently. */
export async function readSnapshot(db: Db, env: string): Promise<EnvSnapshot | null> {
  return db.transaction(
    async (tx) => {
      const [environment] = await tx
        .select()
        .from(tables.environments)
        .where(eq(tables.environments.key, env))
      if (!environment) return null
      const rows = await tx
        .select()
        .from(tables.flagConfigs)
        .innerJoin(tables.flags, eq(tables.flags.key, tables.flagConfigs.flagKey))
        .where(eq(tables.flagConfigs.envKey, env))
      const segmentRows = await tx
        .select()
        .from(tables.segments)
        .where(eq(tables.segments.envKey, env))
      return {
        version: environment.version,
        flags: rows.map((r) => toWireFlag(r.flags, r.flag_configs)).sort(byKey),
        segments: segmentRows.map(toWireSegment).sort(byKey),
      }
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  )
}

/**
 * The current wire form of some flags and segments of an environment (a key that is missing was
 * deleted) and the environment's version, read in one snapshot: a change another replica made,
 * read back from its keys.
 */
export async function readChanged(
  db: Db,
  env: string,
  flagKeys: string[],
  segmentKeys: string[],
): Promise<{
  flags: Map<string, WireFlag>
  segments: Map<string, WireSegment>
  envVersion: number
}> {
  return db.transaction(
    async (tx) => {
      const [row] = await tx
        .select({ version: tables.environments.version })
        .from(tables.environments)
        .where(eq(tables.environments.key, env))
      const flags = await readWireFlags(tx, env, flagKeys)
      const segments = await readWireSegments(tx, env, segmentKeys)
      return { flags, segments, envVersion: row?.version ?? -1 }
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  )
}

/** Reads the current wire form of some flags in one environment (missing keys were deleted). */
async function readWireFlags(
  db: Db | Tx,
  env: string,
  keys: string[],
): Promise<Map<string, WireFlag>> {
  const result = new Map<string, WireFlag>()
  if (keys.length === 0) return result
  const rows = await db
    .select()
    .from(tables.flagConfigs)
    .innerJoin(tables.flags, eq(tables.flags.key, tables.flagConfigs.flagKey))
    .where(and(eq(tables.flagConfigs.envKey, env), inArray(tables.flagConfigs.flagKey, keys)))
  for (const r of rows) result.set(r.flags.key, toWireFlag(r.flags, r.flag_configs))
  return result
}

/** Reads the current wire form of some segments in one environment (missing keys were deleted). */
async function readWireSegments(
  db: Db | Tx,
  env: string,
  keys: string[],
): Promise<Map<string, WireSegment>> {
  const result = new Map<string, WireSegment>()
  if (keys.length === 0) return result
  const rows = await db
    .select()
    .from(tables.segments)
    .where(and(eq(tables.segments.envKey, env), inArray(tables.segments.key, keys)))
  for (const row of rows) result.set(row.key, toWireSegment(row))
  return result
}
