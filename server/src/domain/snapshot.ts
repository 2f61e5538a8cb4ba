import type { WireFlag } from '@switchyard/core'
import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { toWireFlag } from './flags.js'

export interface EnvSnapshot {
  version: number
  flags: WireFlag[]
}

/** Reads every flag of an environment and the environment's version, consistently. */
export async function readSnapshot(db: Db, env: string): Promise<EnvSnapshot | null> {
  return db.transaction(
    async (tx) => {
      const [environment] = await tx.select().from(tables.environments).where(eq(tables.environments.key, env))
      if (!environment) return null
      const rows = await tx
        .select()
        .from(tables.flagConfigs)
        .innerJoin(tables.flags, eq(tables.flags.key, tables.flagConfigs.flagKey))
        .where(eq(tables.flagConfigs.envKey, env))
      return {
        version: environment.version,
        flags: rows.map((r) => toWireFlag(r.flags, r.flag_configs)).sort((a, b) => (a.key < b.key ? -1 : 1)),
      }
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  )
}

/** Reads the current wire form of some flags in one environment (missing keys were deleted). */
export async function readWireFlags(db: Db, env: string, keys: string[]): Promise<Map<string, WireFlag>> {
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
