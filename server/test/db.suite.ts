import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import { describe, inject } from 'vitest'
import { openPglite, openPostgres, type Database } from '../src/db/client.js'

export interface DbTarget {
  name: 'pglite' | 'postgres'
  /** A fresh, migrated database for this file. */
  open(): Promise<Database>
  /** Connection string, for spawning server processes (postgres only). */
  url?: string
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

export const pgliteTarget: DbTarget = {
  name: 'pglite',
  open: async () => {
    const snapshot = readFileSync(inject('pgliteSnapshot'))
    return openPglite(undefined, new Blob([snapshot]))
  },
}

/** Clones the run's migrated template into a database of this file's own. */
export async function createPostgresDatabase(): Promise<string> {
  const pg = inject('postgres')
  if (!pg) throw new Error(inject('postgresSkipReason'))
  const name = `${pg.prefix}_${randomBytes(4).toString('hex')}`
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`create database "${name}" template "${pg.template}"`)
  } finally {
    await admin.end()
  }
  return withDatabase(pg.url, name)
}

export const postgresTarget: DbTarget = {
  name: 'postgres',
  open: async () => openPostgres(await createPostgresDatabase()),
}

/**
 * Runs a suite on PGlite always, and on the real Postgres when it is reachable (always in CI,
 * where global setup fails without it).
 */
export function describeEachDb(title: string, fn: (target: DbTarget) => void): void {
  describe(`${title} [pglite]`, () => fn(pgliteTarget))
  const skipReason = inject('postgresSkipReason')
  const postgresDescribe = inject('postgres') ? describe : describe.skip
  postgresDescribe(`${title} [postgres]${skipReason ? ` (skipped: ${skipReason})` : ''}`, () =>
    fn(postgresTarget),
  )
}
