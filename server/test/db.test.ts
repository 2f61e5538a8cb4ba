import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { openPostgres } from '../src/db/client.js'
import { acquireDataDirLock, DataDirLockedError } from '../src/db/data-dir-lock.js'
import { migrate, toRows } from '../src/db/migrate.js'
import { createPostgresDatabase, describeEachDb } from './db.suite.js'

describeEachDb('migrations', (target) => {
  it('are a no-op the second time', async () => {
    const database = await target.open()
    try {
      const again = await migrate(database.db)
      expect(again.applied).toEqual([])
      const rows = toRows<{ n: number }>(
        await database.db.execute(sql`select count(*)::int as n from switchyard_migrations`),
      )
      expect(rows[0]!.n).toBeGreaterThan(0)
    } finally {
      await database.close()
    }
  })
})

describe('migrations on Postgres', () => {
  it('apply once when two replicas start together', async (ctx) => {
    let url: string
    try {
      url = await createPostgresDatabase()
    } catch (error) {
      ctx.skip(`Postgres unavailable: ${(error as Error).message}`)
      return
    }
    // A fresh database with nothing applied: clone the template, then drop what it holds.
    const a = openPostgres(url, { max: 2 })
    const b = openPostgres(url, { max: 2 })
    try {
      await a.db.execute(sql`drop schema public cascade`)
      await a.db.execute(sql`create schema public`)
      const [first, second] = await Promise.all([migrate(a.db), migrate(b.db)])
      expect(first.applied.length + second.applied.length).toBeGreaterThan(0)
      // Exactly one of them applied each migration.
      expect(first.applied.length === 0 || second.applied.length === 0).toBe(true)
      const rows = toRows<{ n: number }>(
        await a.db.execute(sql`select count(*)::int as n from environments`),
      )
      expect(rows[0]!.n).toBe(0)
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('PGlite data directory lock', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a second holder with a clear message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-lock-'))
    dirs.push(dir)
    const lock = acquireDataDirLock(dir)
    // Pretend another live process (our parent) holds it.
    writeFileSync(lock.path, String(process.ppid))
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError)
    expect(() => acquireDataDirLock(dir)).toThrow(/in use by another Switchyard process/)
    lock.release()
    acquireDataDirLock(dir).release()
  })

  it('takes over a lock left by a dead process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-lock-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'switchyard.lock'), '999999999')
    const lock = acquireDataDirLock(dir)
    expect(lock.path).toContain(dir)
    lock.release()
  })
})
