import { createFlagStore } from '@switchyard/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

describeEachDb('segments', (target) => {
  let database: Database
  let server: TestServer

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    await server.api('POST', '/api/v1/flags', { key: 'beta-ui' })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  it('creates a segment with PUT (201), then replaces it (200) with a new version', async () => {
    const created = await server.api('PUT', '/api/v1/segments/production/beta-testers', {
      name: 'Beta testers',
      included: ['u1', 'u2', 'u2'],
      excluded: ['u3'],
      rules: [{ clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }] }],
      comment: 'beta programme',
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('etag')).toBe('"1"')
    expect(created.body).toMatchObject({
      key: 'beta-testers',
      env: 'production',
      version: 1,
      included: ['u1', 'u2'],
      excluded: ['u3'],
    })
    expect(created.body.rules[0].id).toEqual(expect.any(String))

    const replaced = await server.api(
      'PUT',
      '/api/v1/segments/production/beta-testers',
      { included: ['u1'] },
      { headers: { 'if-match': '"1"' } },
    )
    expect(replaced.status).toBe(200)
    expect(replaced.body).toMatchObject({
      version: 2,
      name: 'Beta testers',
      included: ['u1'],
      rules: [],
    })
    expect(replaced.body.salt).toBe(created.body.salt)

    const stale = await server.api(
      'PUT',
      '/api/v1/segments/production/beta-testers',
      { included: [] },
      { headers: { 'if-match': '"1"' } },
    )
    expect(stale.status).toBe(412)

    const change = (await server.api('GET', '/api/v1/changes?env=production&limit=1')).body.items[0]
    expect(change).toMatchObject({ action: 'segment.replace' })
    expect(change.before.included).toEqual(['u1', 'u2'])
    expect(change.after.included).toEqual(['u1'])
  })

  it('reads one segment and lists them with counts', async () => {
    const one = await server.api('GET', '/api/v1/segments/production/beta-testers')
    expect(one.status).toBe(200)
    expect(one.body.included).toEqual(['u1'])
    const list = await server.api('GET', '/api/v1/segments/production')
    expect(list.body.items).toEqual([
      expect.objectContaining({ key: 'beta-testers', includedCount: 1, excludedCount: 0 }),
    ])
    expect(list.body.items[0].included).toBeUndefined()
    expect((await server.api('GET', '/api/v1/segments/development/beta-testers')).status).toBe(404)
  })

  it('stores an included list of 100,000 keys', async () => {
    const included = Array.from({ length: 100_000 }, (_, i) => `user-${i}`)
    const res = await server.api('PUT', '/api/v1/segments/production/big', { included })
    expect(res.status).toBe(201)
    const list = await server.api('GET', '/api/v1/segments/production')
    expect(list.body.items.find((s: { key: string }) => s.key === 'big').includedCount).toBe(
      100_000,
    )
  })

  it.each([
    {
      label: 'a segmentMatch inside a segment rule',
      body: { rules: [{ clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['big'] }] }] },
      field: 'rules.0.clauses',
    },
    { label: 'an unknown field', body: { members: [] }, field: 'members' },
    {
      label: 'a weight over 100000',
      body: { rules: [{ clauses: [], weight: 100_001 }] },
      field: 'rules.0.weight',
    },
    { label: 'an empty context key', body: { included: [''] }, field: 'included.0' },
    {
      label: 'a regex that does not compile',
      body: { rules: [{ clauses: [{ attribute: 'email', op: 'matches', values: ['(x'] }] }] },
      field: 'rules.0.clauses.0.values.0',
    },
  ])('refuses $label', async ({ body, field }) => {
    const res = await server.api('PUT', '/api/v1/segments/production/refused', body)
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field)
    expect((await server.api('GET', '/api/v1/segments/production/refused')).status).toBe(404)
  })

  it('refuses a flag rule that names a segment missing from the environment', async () => {
    const res = await server.api('PATCH', '/api/v1/flags/beta-ui/envs/development', {
      rules: [
        {
          clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['beta-testers'] }],
          serve: { variation: 0 },
        },
      ],
    })
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(
      'rules.0.clauses.0.values.0',
    )
  })

  it('lets a flag rule match a segment, and refuses to delete a segment in use', async () => {
    const res = await server.api('PATCH', '/api/v1/flags/beta-ui/envs/production', {
      on: true,
      rules: [
        {
          clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['beta-testers'] }],
          serve: { variation: 0 },
        },
      ],
      fallthrough: { variation: 1 },
    })
    expect(res.status).toBe(200)
    // What an SDK receives evaluates the segment: u1 is included, u3 excluded, others by rule.
    const key = (
      await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
    ).body.key
    const snapshot = await waitFor(async () => {
      const poll = await server.api('GET', '/sdk/v1/flags', undefined, { token: key })
      return poll.body.flags.find((f: { key: string; on: boolean }) => f.key === 'beta-ui' && f.on)
        ? poll.body
        : null
    })
    const store = createFlagStore()
    store.put(snapshot.version, snapshot.flags, snapshot.segments)
    expect(store.variation('beta-ui', { key: 'u1' }, false)).toBe(true)
    expect(store.variation('beta-ui', { key: 'u9' }, true)).toBe(false)
    expect(store.variationDetail('beta-ui', { key: 'u1' }, false).reason).toMatchObject({
      kind: 'RULE_MATCH',
      ruleIndex: 0,
    })

    const inUse = await server.api('DELETE', '/api/v1/segments/production/beta-testers')
    expect(inUse.status).toBe(409)
    expect(inUse.body.usedBy).toEqual([{ flag: 'beta-ui', env: 'production' }])
  })

  it('streams segments in the put, and a patch and a delete when they change', async () => {
    const key = (
      await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
    ).body.key
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sdk/v1/stream`, {
      headers: { authorization: `Bearer ${key}` },
    })
    const messages: any[] = []
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())))
    await waitFor(() => messages.length >= 1)
    expect(messages[0].segments.map((s: { key: string }) => s.key)).toEqual(['beta-testers', 'big'])
    await server.api('PUT', '/api/v1/segments/production/fresh', { included: ['a'] })
    const patch = await waitFor(() => messages.find((m) => m.type === 'patch'))
    expect(patch).toMatchObject({
      version: messages[0].version + 1,
      segment: { key: 'fresh', included: ['a'], version: 1 },
    })
    expect((await server.api('DELETE', '/api/v1/segments/production/fresh')).status).toBe(204)
    const del = await waitFor(() => messages.find((m) => m.type === 'delete'))
    expect(del).toEqual({
      type: 'delete',
      version: messages[0].version + 2,
      key: 'fresh',
      kind: 'segment',
    })
    ws.close()
  })

  it('serves segments to polling SDKs', async () => {
    const key = (
      await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
    ).body.key
    const res = await server.api('GET', '/sdk/v1/flags', undefined, { token: key })
    expect(res.body.segments.map((s: { key: string }) => s.key)).toEqual(['beta-testers', 'big'])
  })

  it('keeps a reader from writing segments', async () => {
    const reader = (
      await server.api('POST', '/api/v1/tokens', { name: 'seg-reader', role: 'reader' })
    ).body.token
    expect(
      (await server.api('PUT', '/api/v1/segments/production/x', {}, { token: reader })).status,
    ).toBe(403)
    expect(
      (await server.api('GET', '/api/v1/segments/production', undefined, { token: reader })).status,
    ).toBe(200)
  })
})
