import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import * as tables from '../src/db/schema/index.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, type TestServer } from './helpers.js'

const ORDINARY = ['^[a-z0-9._%+-]+@example\\.com$', '^/api/v[0-9]+/', '\\.(png|jpe?g)$']

/** A config whose first rule's second clause matches `pattern`. */
const configWith = (pattern: string) => ({
  on: true,
  offVariation: 1,
  fallthrough: { variation: 1 },
  rules: [
    {
      clauses: [
        { attribute: 'country', op: 'in', values: ['DE'] },
        { attribute: 'email', op: 'matches', values: [pattern] },
      ],
      serve: { variation: 0 },
    },
  ],
})

describeEachDb('matches patterns that could stall the server', (target) => {
  let database: Database
  let server: TestServer

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    await server.api('POST', '/api/v1/flags', { key: 'promo' })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  it.each(['^(a+)+$', '(x+x+)+y', '(a|a)*b', '(.*a){12}'])(
    'refuses %s in a flag rule, naming the value, and stores nothing',
    async (pattern) => {
      const before = await server.api('GET', '/api/v1/flags/promo/envs/production')
      const res = await server.api(
        'PUT',
        '/api/v1/flags/promo/envs/production',
        configWith(pattern),
      )
      expect(res.status).toBe(400)
      expect(res.body.type).toBe('urn:switchyard:problem:validation-failed')
      expect(res.body.errors).toEqual([
        {
          path: 'rules.0.clauses.1.values.0',
          code: 'unsafe_pattern',
          message: expect.any(String),
        },
      ])
      const after = await server.api('GET', '/api/v1/flags/promo/envs/production')
      expect(after.body.version).toBe(before.body.version)
    },
  )

  it('accepts ordinary patterns', async () => {
    const config = configWith(ORDINARY[0]!)
    config.rules[0]!.clauses[1]!.values = ORDINARY
    const res = await server.api('PUT', '/api/v1/flags/promo/envs/production', config)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  })

  it('refuses an unsafe pattern in a segment rule at its path', async () => {
    const res = await server.api('PUT', '/api/v1/segments/production/risky', {
      rules: [
        { clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }] },
        { clauses: [{ attribute: 'path', op: 'matches', values: ['^/ok', '^(a+)+$'] }] },
      ],
    })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([
      { path: 'rules.1.clauses.0.values.1', code: 'unsafe_pattern', message: expect.any(String) },
    ])
    expect((await server.api('GET', '/api/v1/segments/production/risky')).status).toBe(404)
  })

  it("refuses an unsafe pattern in a schedule's patch at patch.rules…", async () => {
    const res = await server.api('POST', '/api/v1/schedules', {
      flag: 'promo',
      env: 'production',
      at: '2099-01-01T00:00:00Z',
      patch: { rules: configWith('(x+x+)+y').rules },
    })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([
      {
        path: 'patch.rules.0.clauses.1.values.0',
        code: 'unsafe_pattern',
        message: expect.any(String),
      },
    ])
  })

  it('refuses an unsafe pattern in the clauses of a kill rule', async () => {
    const res = await server.api('POST', '/api/v1/flags/promo/envs/production/kill', {
      clauses: [{ attribute: 'ua', op: 'matches', values: ['(a|a)*b'] }],
    })
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ code: 'unsafe_pattern' })
  })

  it('still kills a flag that holds a pattern stored before patterns were checked', async () => {
    await server.api('POST', '/api/v1/flags', { key: 'legacy' })
    // As stored: clauses carry `negate`, rules an id.
    const rule = configWith('^(a+)+$').rules[0]!
    const stored = {
      ...rule,
      id: 'r1',
      clauses: rule.clauses.map((c) => ({ ...c, negate: false })),
    }
    await database.db
      .update(tables.flagConfigs)
      .set({
        config: sql`${tables.flagConfigs.config} || ${JSON.stringify({ rules: [stored] })}::jsonb`,
      })
      .where(
        and(eq(tables.flagConfigs.flagKey, 'legacy'), eq(tables.flagConfigs.envKey, 'production')),
      )
    const killed = await server.api('POST', '/api/v1/flags/legacy/envs/production/kill', {
      clauses: [{ attribute: 'country', op: 'in', values: ['FR'] }],
    })
    expect(killed.status, JSON.stringify(killed.body)).toBe(200)
    expect(killed.body.changed).toBe(true)
  })
})
