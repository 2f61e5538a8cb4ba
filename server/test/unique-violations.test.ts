import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import { UNIQUE_CONSTRAINTS } from '../src/db/errors.js'
import * as tables from '../src/db/schema/index.js'
import { toRows } from '../src/db/migrate.js'
import { databaseProblem } from '../src/http/to-problem.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

const definition = { key: 'beta', included: [], excluded: [], rules: [], salt: 's' }

describeEachDb('unique violations', (target) => {
  let database: Database
  let server: TestServer

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    await server.api('POST', '/api/v1/flags', { key: 'taken' })
    await server.api('PUT', '/api/v1/segments/production/beta', {})
    await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  /** The problem the error handler makes of what the database raised for `insert`. */
  const problemOf = async (insert: () => Promise<unknown>) => {
    const error = await insert().then(
      () => null,
      (e: unknown) => e,
    )
    expect(error, 'the insert fails').not.toBeNull()
    return databaseProblem(error)
  }
  const summary = (problem: Awaited<ReturnType<typeof problemOf>>) =>
    problem && { status: problem.status, slug: problem.slug, ...problem.extensions }

  it('knows every unique constraint of the schema', async () => {
    const rows = toRows<{ name: string }>(
      await database.db.execute(
        sql`select c.relname as name from pg_index i
            join pg_class c on c.oid = i.indexrelid
            join pg_class t on t.oid = i.indrelid
            join pg_namespace n on n.oid = t.relnamespace
            where i.indisunique and n.nspname = 'public' and t.relname <> 'switchyard_migrations'
            order by 1`,
      ),
    )
    expect(rows.length).toBeGreaterThan(5)
    expect(rows.map((r) => r.name).sort()).toEqual(Object.keys(UNIQUE_CONSTRAINTS).sort())
  })

  it.each([
    {
      label: 'an environment',
      insert: (db: Database['db']) =>
        db.insert(tables.environments).values({ key: 'production', name: 'again' }),
      expected: { resource: 'environment', key: 'production' },
    },
    {
      label: 'a flag',
      insert: (db: Database['db']) =>
        db.insert(tables.flags).values({
          key: 'taken',
          name: 'taken',
          kind: 'boolean',
          variations: [{ value: true }, { value: false }],
        }),
      expected: { resource: 'flag', key: 'taken' },
    },
    {
      label: 'a segment',
      insert: (db: Database['db']) =>
        db.insert(tables.segments).values({ envKey: 'production', key: 'beta', definition }),
      expected: { resource: 'segment', key: 'beta' },
    },
  ])('names $label whose key is taken', async ({ insert, expected }) => {
    const problem = await problemOf(() => insert(database.db))
    expect(problem?.detail).toBe(`${expected.resource} '${expected.key}' already exists`)
    expect(summary(problem)).toEqual({
      status: 409,
      slug: 'already-exists',
      ...expected,
    })
  })

  it('names an SDK key whose hash is taken without echoing the hash', async () => {
    const [key] = await database.db.select().from(tables.sdkKeys).limit(1)
    const problem = await problemOf(() =>
      database.db.insert(tables.sdkKeys).values({ ...key!, id: 'key_duplicate' }),
    )
    expect(summary(problem)).toEqual({ status: 409, slug: 'already-exists', resource: 'sdk key' })
    expect(problem?.detail).toBe('sdk key already exists')
  })

  it.skipIf(target.name === 'pglite')(
    'replaces the segment when a PUT loses the race to create it (PGlite runs one transaction at a time: no race)',
    async () => {
      let commit = (): void => {}
      const committed = new Promise<void>((resolve) => (commit = resolve))
      let inserted = (): void => {}
      const insertDone = new Promise<void>((resolve) => (inserted = resolve))
      // Another writer has inserted the segment and not committed yet.
      const other = database.db.transaction(async (tx) => {
        await tx.insert(tables.segments).values({
          envKey: 'production',
          key: 'raced',
          definition: { ...definition, key: 'raced' },
        })
        inserted()
        await committed
      })
      // why: a PUT sent before the insert has run would win the race itself
      await Promise.race([insertDone, other])
      const put = server.api('PUT', '/api/v1/segments/production/raced', { included: ['a'] })
      // The PUT found no row to lock and now waits on the other writer's insert.
      await waitFor(async () => {
        const [row] = toRows<{ n: number }>(
          await database.db.execute(
            sql`select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock'`,
          ),
        )
        return row!.n > 0
      })
      commit()
      await other
      const res = await put
      // The PUT's insert hit the winner's key; run again, it replaced the winner's segment.
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ key: 'raced', included: ['a'], version: 2 })
      const stored = await server.api('GET', '/api/v1/segments/production/raced')
      expect(stored.body).toMatchObject({ included: ['a'], version: 2 })
    },
  )
})
