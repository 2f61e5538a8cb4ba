import { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js'
import * as tables from './schema/index.js'

export type Db = PgDatabase<PgQueryResultHKT, typeof tables>
/** A transaction handle; the same query API as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

export interface Database {
  db: Db
  kind: 'pglite' | 'postgres'
  /** The connection string (Postgres only), for the LISTEN connection of the change bus. */
  url?: string
  /** Runs a trivial query; rejects when the database is unreachable. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface PostgresOptions {
  max?: number
}

/** Connects to Postgres through postgres.js. */
export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
  })
  const db = drizzlePostgres({ client, schema: tables, casing: 'snake_case' }) as unknown as Db
  return {
    db,
    kind: 'postgres',
    url,
    ping: async () => {
      await db.execute(sql`select 1`)
    },
    close: () => client.end({ timeout: 5 }),
  }
}

/**
 * Opens embedded PGlite: in `dataDir` (locked against a second process) or in memory when
 * `dataDir` is undefined. `loadDataDir` restores a dumped snapshot (used by tests).
 */
export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<Database> {
  let lock: DataDirLock | undefined
  if (dataDir) lock = acquireDataDirLock(dataDir)
  try {
    const client = await PGlite.create(dataDir ? { dataDir } : { loadDataDir })
    const db = drizzlePglite({ client, schema: tables, casing: 'snake_case' }) as unknown as Db
    return {
      db,
      kind: 'pglite',
      ping: async () => {
        await db.execute(sql`select 1`)
      },
      close: async () => {
        await client.close()
        lock?.release()
      },
    }
  } catch (error) {
    lock?.release()
    throw error
  }
}
