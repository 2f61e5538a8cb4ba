import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { openPglite, openPostgres } from '../src/db/client.js'
import { migrate } from '../src/db/migrate.js'

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string
    /** Base URL of the test Postgres server and the migrated template database, or null. */
    postgres: { url: string; template: string; prefix: string } | null
    postgresSkipReason: string
  }
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/**
 * Migrates once per run: a PGlite snapshot every test file restores, and a Postgres template
 * database every file clones. Names carry a run id so runs never collide.
 */
export default async function setup(project: TestProject) {
  const runId = `${process.pid}_${randomBytes(3).toString('hex')}`
  const dir = join(tmpdir(), `switchyard-test-${runId}`)
  mkdirSync(dir, { recursive: true })

  const pglite = await openPglite()
  await migrate(pglite.db)
  const dump = await (
    pglite as unknown as { db: { $client: { dumpDataDir(c: string): Promise<Blob> } } }
  ).db.$client.dumpDataDir('none')
  const snapshotPath = join(dir, 'pglite.tar')
  writeFileSync(snapshotPath, Buffer.from(await dump.arrayBuffer()))
  await pglite.close()
  project.provide('pgliteSnapshot', snapshotPath)

  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_URL
  const prefix = `switchyard_t_${runId}`
  const template = `${prefix}_tpl`
  let admin: postgres.Sql | undefined
  try {
    admin = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 3 })
    await admin`select 1`
    await admin.unsafe(`create database "${template}"`)
    const db = openPostgres(withDatabase(url, template), { max: 1 })
    await migrate(db.db)
    await db.close()
    project.provide('postgres', { url, template, prefix })
    project.provide('postgresSkipReason', '')
  } catch (error) {
    await admin?.end().catch(() => {})
    admin = undefined
    const reason = `Postgres at ${url.replace(/\/\/[^@]*@/, '//')} is unavailable: ${(error as Error).message}`
    if (process.env.CI) throw new Error(`${reason} (CI requires it)`, { cause: error })
    project.provide('postgres', null)
    project.provide('postgresSkipReason', reason)
  }

  return async () => {
    if (!admin) return
    const rows = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like ${`${prefix}%`}`
    for (const row of rows) {
      await admin.unsafe(`drop database if exists "${row.datname}" with (force)`)
    }
    await admin.end()
    writeFileSync(join(dir, 'done'), '')
  }
}
