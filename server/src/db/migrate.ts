import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import type { Db } from './client.js'

/** Advisory lock key for migrations ("switchyard-migrate" as a constant; any fixed bigint works). */
const MIGRATION_LOCK_KEY = 7_400_001

/** Finds the migrations folder: SWITCHYARD_MIGRATIONS_DIR, or the nearest ancestor's migrations/. */
export function findMigrationsDir(): string {
  const fromEnv = process.env.SWITCHYARD_MIGRATIONS_DIR
  if (fromEnv) return resolve(fromEnv)
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'migrations')
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate
    dir = dirname(dir)
  }
  throw new Error('migrations/ not found; set SWITCHYARD_MIGRATIONS_DIR')
}

export interface MigrationResult {
  applied: string[]
}

/**
 * Applies pending drizzle-kit migrations in one transaction under an advisory lock, so replicas
 * starting together do not race. Applying twice is a no-op.
 */
export async function migrate(
  db: Db,
  migrationsFolder = findMigrationsDir(),
): Promise<MigrationResult> {
  const migrations = readMigrationFiles({ migrationsFolder })
  const applied: string[] = []
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`)
    await tx.execute(sql`create table if not exists switchyard_migrations (
      hash text primary key,
      created_at bigint not null,
      applied_at timestamptz not null default now()
    )`)
    const rows = await tx.execute<{ hash: string }>(sql`select hash from switchyard_migrations`)
    const done = new Set(toRows<{ hash: string }>(rows).map((r) => r.hash))
    for (const migration of migrations) {
      if (done.has(migration.hash)) continue
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql.raw(statement))
      }
      await tx.execute(
        sql`insert into switchyard_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`,
      )
      applied.push(String(migration.folderMillis))
    }
  })
  return { applied }
}

/** Number of migrations in the folder that are not applied yet (for /readyz). */
export async function pendingMigrations(
  db: Db,
  migrationsFolder = findMigrationsDir(),
): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder })
  try {
    const rows = await db.execute<{ hash: string }>(sql`select hash from switchyard_migrations`)
    const done = new Set(toRows<{ hash: string }>(rows).map((r) => r.hash))
    return migrations.filter((m) => !done.has(m.hash)).length
  } catch {
    return migrations.length
  }
}

/** postgres.js returns an array; PGlite returns { rows }. */
export function toRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}
