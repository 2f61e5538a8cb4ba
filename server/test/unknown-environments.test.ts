import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, type TestServer } from './helpers.js'

const config = {
  on: true,
  offVariation: 1,
  targets: [],
  rules: [],
  fallthrough: { variation: 0 },
  prerequisites: [],
}
const later = () => new Date(Date.now() + 3_600_000).toISOString()

/**
 * An environment that does not exist, named in the path: 404 not-found naming it. Named in a
 * body (a reference, like `flag` next to it): 400 validation-failed at that field.
 */
describeEachDb('unknown environments', (target) => {
  let database: Database
  let server: TestServer

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    await server.api('POST', '/api/v1/flags', { key: 'checkout', tags: ['menu'] })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  it.each([
    ['GET', '/api/v1/flags/checkout/envs/mars'],
    ['PUT', '/api/v1/flags/checkout/envs/mars', config],
    ['PATCH', '/api/v1/flags/checkout/envs/mars', { on: true }],
    ['POST', '/api/v1/flags/checkout/envs/mars/kill', {}],
    ['POST', '/api/v1/flags/checkout/envs/mars/restore', {}],
    ['POST', '/api/v1/flags/checkout/envs/mars/throttle', { percent: 10 }],
    ['POST', '/api/v1/envs/mars/kill', { tag: 'menu' }],
    ['POST', '/api/v1/envs/mars/restore', { tag: 'menu' }],
    ['GET', '/api/v1/envs/mars/valves'],
    ['GET', '/api/v1/segments/mars'],
    ['GET', '/api/v1/segments/mars/beta'],
    ['PUT', '/api/v1/segments/mars/beta', {}],
    ['DELETE', '/api/v1/segments/mars/beta'],
    ['GET', '/api/v1/environments/mars'],
    ['GET', '/api/v1/environments/mars/keys'],
    ['POST', '/api/v1/environments/mars/keys', { type: 'server' }],
    ['DELETE', '/api/v1/environments/mars/keys/key_0123456789abcdef'],
  ] as Array<[string, string, unknown?]>)(
    'answers %s %s with 404 naming the environment',
    async (method, path, body) => {
      const res = await server.api(method, path, body)
      expect(res.status).toBe(404)
      expect(res.body).toMatchObject({
        type: 'urn:switchyard:problem:not-found',
        resource: 'environment',
        key: 'mars',
      })
    },
  )

  it.each([
    {
      path: '/api/v1/triggers',
      body: { name: 't', flag: 'checkout', env: 'mars', action: 'kill', format: 'generic' },
    },
    {
      path: '/api/v1/rollouts',
      body: { flag: 'checkout', env: 'mars', variation: 0, stages: [{ percent: 10 }] },
    },
    { path: '/api/v1/schedules', body: { flag: 'checkout', env: 'mars', patch: { on: true } } },
    { path: '/api/v1/changes/revert', body: { since: '1h', env: 'mars' } },
  ])('answers POST $path naming it in the body with 400 at env', async ({ path, body }) => {
    const res = await server.api(
      'POST',
      path,
      path.endsWith('schedules') ? { ...body, at: later() } : body,
    )
    expect(res.status).toBe(400)
    expect(res.body.type).toBe('urn:switchyard:problem:validation-failed')
    expect(res.body.errors).toEqual([
      { path: 'env', code: 'not_found', message: "environment 'mars' does not exist" },
    ])
  })

  // why: in an incident, `?env=prod` for `production` must not read as "nothing changed"
  it.each(['/api/v1/changes', '/api/v1/triggers', '/api/v1/rollouts', '/api/v1/schedules'])(
    'refuses GET %s?env= naming an unknown environment with 400 at env',
    async (path) => {
      const res = await server.api('GET', `${path}?env=mars`)
      expect(res.status).toBe(400)
      expect(res.body.type).toBe('urn:switchyard:problem:validation-failed')
      expect(res.body.errors).toEqual([
        { path: 'env', code: 'not_found', message: "environment 'mars' does not exist" },
      ])
      const known = await server.api('GET', `${path}?env=production`)
      expect(known.status).toBe(200)
      expect(Array.isArray(known.body.items)).toBe(true)
    },
  )

  it('filters GET /api/v1/changes?flag= by a flag that no longer exists (its history stays)', async () => {
    await server.api('POST', '/api/v1/flags', { key: 'gone' })
    await server.api('DELETE', '/api/v1/flags/gone')
    const res = await server.api('GET', '/api/v1/changes?flag=gone')
    expect(res.status).toBe(200)
    expect(res.body.items.map((c: { action: string }) => c.action)).toEqual([
      'flag.delete',
      'flag.create',
    ])
  })
})
