import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

describeEachDb('REST API', (target) => {
  let database: Database
  let server: TestServer
  let writer: string
  let reader: string

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    writer = (await server.api('POST', '/api/v1/tokens', { name: 'ci-writer', role: 'writer' }))
      .body.token
    reader = (await server.api('POST', '/api/v1/tokens', { name: 'ci-reader', role: 'reader' }))
      .body.token
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  const changeCount = async () => {
    let count = 0
    let cursor: string | null = null
    do {
      const res = await server.api(
        'GET',
        `/api/v1/changes?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      )
      count += res.body.items.length
      cursor = res.body.nextCursor
    } while (cursor)
    return count
  }

  describe('first start', () => {
    it('creates the production and development environments', async () => {
      const res = await server.api('GET', '/api/v1/environments')
      expect(res.status).toBe(200)
      expect(res.body.items.map((e: { key: string }) => e.key).sort()).toEqual([
        'development',
        'production',
      ])
    })

    it('answers /healthz and /readyz', async () => {
      expect((await server.api('GET', '/healthz', undefined, { token: null })).status).toBe(200)
      const ready = await server.api('GET', '/readyz', undefined, { token: null })
      expect(ready.status).toBe(200)
      expect(ready.body.status).toBe('ready')
    })
  })

  describe('flags', () => {
    it('creates a boolean flag that is off everywhere, serving false', async () => {
      const res = await server.api(
        'POST',
        '/api/v1/flags',
        { key: 'new-checkout', tags: ['checkout'], comment: 'launch prep' },
        { token: writer },
      )
      expect(res.status).toBe(201)
      expect(res.body.kind).toBe('boolean')
      expect(res.body.variations).toEqual([{ value: true }, { value: false }])
      for (const env of ['production', 'development']) {
        const config = res.body.environments[env]
        expect(config).toMatchObject({
          on: false,
          offVariation: 1,
          fallthrough: { variation: 0 },
          version: 1,
        })
      }
      const change = (await server.api('GET', '/api/v1/changes?flag=new-checkout')).body.items[0]
      expect(change).toMatchObject({
        actor: 'ci-writer',
        action: 'flag.create',
        comment: 'launch prep',
        flag: 'new-checkout',
      })
      expect(change.after.key).toBe('new-checkout')
    })

    it('refuses a duplicate key with 409', async () => {
      const res = await server.api('POST', '/api/v1/flags', { key: 'new-checkout' })
      expect(res.status).toBe(409)
      expect(res.body.type).toBe('urn:switchyard:problem:already-exists')
    })

    it('creates a string flag with its variations and offVariation on the last one', async () => {
      const res = await server.api('POST', '/api/v1/flags', {
        key: 'banner-copy',
        kind: 'string',
        variations: [{ value: 'bold', name: 'Bold' }, { value: 'calm' }, { value: 'none' }],
      })
      expect(res.status).toBe(201)
      expect(res.body.environments.production.offVariation).toBe(2)
    })

    it('lists flags filtered by tag and paginated', async () => {
      for (const key of ['page-a', 'page-b', 'page-c']) {
        await server.api('POST', '/api/v1/flags', { key, tags: ['paging'] })
      }
      const first = await server.api('GET', '/api/v1/flags?tag=paging&limit=2', undefined, {
        token: reader,
      })
      expect(first.status).toBe(200)
      expect(first.body.items.map((f: { key: string }) => f.key)).toEqual(['page-a', 'page-b'])
      expect(first.body.items[0].environments.production).toEqual({
        on: false,
        version: 1,
        killRules: 0,
      })
      const second = await server.api(
        'GET',
        `/api/v1/flags?tag=paging&limit=2&cursor=${first.body.nextCursor}`,
      )
      expect(second.body.items.map((f: { key: string }) => f.key)).toEqual(['page-c'])
      expect(second.body.nextCursor).toBeNull()
    })

    it('updates flag metadata and records before and after', async () => {
      const res = await server.api('PATCH', '/api/v1/flags/page-a', {
        description: 'Paging test',
        temporary: false,
      })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ description: 'Paging test', temporary: false, version: 2 })
      const change = (await server.api('GET', '/api/v1/changes?flag=page-a&limit=1')).body.items[0]
      expect(change.action).toBe('flag.update')
      expect(change.before.description).toBe('')
      expect(change.after.description).toBe('Paging test')
    })

    it('deletes a flag and answers 404 afterwards', async () => {
      expect((await server.api('DELETE', '/api/v1/flags/page-c')).status).toBe(204)
      const res = await server.api('GET', '/api/v1/flags/page-c')
      expect(res.status).toBe(404)
      expect(res.body.type).toBe('urn:switchyard:problem:not-found')
    })
  })

  describe('per-environment config', () => {
    it('returns the config with its version as an ETag', async () => {
      const res = await server.api('GET', '/api/v1/flags/banner-copy/envs/production')
      expect(res.status).toBe(200)
      expect(res.headers.get('etag')).toBe('"1"')
      expect(res.body).toMatchObject({
        flag: 'banner-copy',
        env: 'production',
        version: 1,
        on: false,
      })
    })

    it('replaces the config with PUT when If-Match is current, and answers 412 when stale', async () => {
      const body = {
        on: true,
        offVariation: 2,
        targets: [{ variation: 1, values: ['user-9'] }],
        rules: [
          {
            clauses: [{ attribute: 'country', op: 'in', values: ['DE'] }],
            serve: { variation: 0 },
          },
        ],
        fallthrough: { variation: 1 },
        comment: 'German launch',
      }
      const ok = await server.api('PUT', '/api/v1/flags/banner-copy/envs/production', body, {
        headers: { 'if-match': '"1"' },
      })
      expect(ok.status).toBe(200)
      expect(ok.body.version).toBe(2)
      expect(ok.body.rules[0].id).toEqual(expect.any(String))
      expect(ok.body.rules[0].clauses[0].negate).toBe(false)
      const stale = await server.api('PUT', '/api/v1/flags/banner-copy/envs/production', body, {
        headers: { 'if-match': '"1"' },
      })
      expect(stale.status).toBe(412)
      expect(stale.body.currentVersion).toBe(2)
    })

    it('merges top-level fields with PATCH and takes the reason from X-Switchyard-Comment', async () => {
      const res = await server.api(
        'PATCH',
        '/api/v1/flags/banner-copy/envs/production',
        { fallthrough: { variation: 0 } },
        {
          headers: { 'x-switchyard-comment': 'calmer default' },
        },
      )
      expect(res.status).toBe(200)
      expect(res.body.on).toBe(true)
      expect(res.body.targets).toHaveLength(1)
      expect(res.body.fallthrough).toEqual({ variation: 0 })
      const change = (
        await server.api('GET', '/api/v1/changes?flag=banner-copy&env=production&limit=1')
      ).body.items[0]
      expect(change).toMatchObject({ action: 'flag.config.patch', comment: 'calmer default' })
      expect(change.before.fallthrough).toEqual({ variation: 1 })
    })

    it('refuses a prerequisite cycle', async () => {
      await server.api('POST', '/api/v1/flags', { key: 'pre-a' })
      await server.api('POST', '/api/v1/flags', { key: 'pre-b' })
      const first = await server.api('PATCH', '/api/v1/flags/pre-a/envs/production', {
        prerequisites: [{ flag: 'pre-b', variation: 0 }],
      })
      expect(first.status).toBe(200)
      const cycle = await server.api('PATCH', '/api/v1/flags/pre-b/envs/production', {
        prerequisites: [{ flag: 'pre-a', variation: 0 }],
      })
      expect(cycle.status).toBe(400)
      expect(cycle.body.errors[0]).toMatchObject({ path: 'prerequisites', code: 'cycle' })
      const inUse = await server.api('DELETE', '/api/v1/flags/pre-b')
      expect(inUse.status).toBe(409)
    })
  })

  describe('validation lists every problem', () => {
    it('names each wrong rule, not just the first', async () => {
      const res = await server.api('PATCH', '/api/v1/flags/banner-copy/envs/production', {
        rules: [
          {
            clauses: [{ attribute: 'email', op: 'matches', values: ['(bad'] }],
            serve: { variation: 0 },
          },
          {
            clauses: [{ attribute: 'country', op: 'in', values: ['DE'] }],
            serve: { variation: 1 },
          },
          {
            clauses: [{ attribute: 'v', op: 'semVerLessThan', values: ['x.y'] }],
            serve: { variation: 0 },
          },
        ],
      })
      expect(res.status).toBe(400)
      const paths = res.body.errors.map((e: { path: string }) => e.path)
      expect(paths.some((p: string) => p.startsWith('rules.0.'))).toBe(true)
      expect(paths.some((p: string) => p.startsWith('rules.2.'))).toBe(true)
      expect(paths.some((p: string) => p.startsWith('rules.1.'))).toBe(false)
    })
  })

  describe('kill switch', () => {
    it('kills and restores idempotently: a repeat answers changed false and writes nothing', async () => {
      const restore = await server.api(
        'POST',
        '/api/v1/flags/new-checkout/envs/production/restore',
        { comment: 'go live' },
        { token: writer },
      )
      expect(restore.status).toBe(200)
      expect(restore.body.changed).toBe(true)
      expect(restore.body.config.on).toBe(true)

      const kill = await server.api(
        'POST',
        '/api/v1/flags/new-checkout/envs/production/kill',
        { comment: 'checkout errors spiking' },
        { token: writer },
      )
      expect(kill.body).toMatchObject({ changed: true, config: { on: false } })
      const version = kill.body.config.version
      const before = await changeCount()

      const again = await server.api(
        'POST',
        '/api/v1/flags/new-checkout/envs/production/kill',
        undefined,
        { token: writer },
      )
      expect(again.status).toBe(200)
      expect(again.body.changed).toBe(false)
      expect(again.body.config.version).toBe(version)
      expect(await changeCount()).toBe(before)

      const change = (
        await server.api('GET', '/api/v1/changes?since=1h&env=production&flag=new-checkout&limit=1')
      ).body.items[0]
      expect(change).toMatchObject({
        action: 'flag.kill',
        actor: 'ci-writer',
        comment: 'checkout errors spiking',
        version: expect.any(Number),
      })
      expect(change.before.on).toBe(true)
      expect(change.after.on).toBe(false)
    })

    it('accepts an empty body', async () => {
      const res = await fetch(`${server.url}/api/v1/flags/new-checkout/envs/development/restore`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}` },
      })
      expect(res.status).toBe(200)
    })
  })

  describe('change log', () => {
    it('answers what changed in the last hour, newest first, and pages', async () => {
      const all = await server.api('GET', '/api/v1/changes?since=1h', undefined, { token: reader })
      expect(all.status).toBe(200)
      const ids = all.body.items.map((c: { id: number }) => c.id)
      expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a))
      const page = await server.api('GET', '/api/v1/changes?since=1h&limit=2')
      expect(page.body.items).toHaveLength(2)
      const next = await server.api(
        'GET',
        `/api/v1/changes?since=1h&limit=2&cursor=${page.body.nextCursor}`,
      )
      expect(next.body.items[0].id).toBeLessThan(page.body.items[1].id)
    })

    it('accepts an ISO time with a positive offset typed into the URL unencoded', async () => {
      // `+` in a query string reads as a space; `since=2099-01-01T10:00:00+02:00` is what people type.
      const res = await server.api('GET', '/api/v1/changes?since=2099-01-01T10:00:00+02:00')
      expect(res.status).toBe(200)
      expect(res.body.items).toEqual([])
      const past = await server.api(
        'GET',
        '/api/v1/changes?since=2000-01-01T10:00:00+02:00&limit=1',
      )
      expect(past.body.items).toHaveLength(1)
    })

    it('accepts an ISO time and finds nothing in the future', async () => {
      const res = await server.api(
        'GET',
        `/api/v1/changes?since=${new Date(Date.now() + 60_000).toISOString()}`,
      )
      expect(res.status).toBe(200)
      expect(res.body.items).toEqual([])
    })
  })

  describe('auth', () => {
    it('answers 401 with WWW-Authenticate without a token', async () => {
      const res = await server.api('GET', '/api/v1/flags', undefined, { token: null })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
    })

    it('lets a reader read but not write', async () => {
      expect((await server.api('GET', '/api/v1/flags', undefined, { token: reader })).status).toBe(
        200,
      )
      const res = await server.api(
        'POST',
        '/api/v1/flags/new-checkout/envs/production/kill',
        {},
        { token: reader },
      )
      expect(res.status).toBe(403)
      expect(res.body.type).toBe('urn:switchyard:problem:forbidden')
    })

    it('keeps tokens, keys and environments for admins', async () => {
      expect(
        (
          await server.api(
            'POST',
            '/api/v1/tokens',
            { name: 'x', role: 'admin' },
            { token: writer },
          )
        ).status,
      ).toBe(403)
      expect(
        (
          await server.api(
            'POST',
            '/api/v1/environments/production/keys',
            { type: 'server' },
            { token: writer },
          )
        ).status,
      ).toBe(403)
      expect(
        (await server.api('POST', '/api/v1/environments', { key: 'staging' }, { token: writer }))
          .status,
      ).toBe(403)
    })

    it('revokes a token at once', async () => {
      const created = await server.api('POST', '/api/v1/tokens', { name: 'temp', role: 'reader' })
      expect(created.status).toBe(201)
      expect(created.body.token).toMatch(/^sy_tok_/)
      expect(
        (await server.api('GET', '/api/v1/flags', undefined, { token: created.body.token })).status,
      ).toBe(200)
      expect((await server.api('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(200)
      expect(
        (await server.api('GET', '/api/v1/flags', undefined, { token: created.body.token })).status,
      ).toBe(401)
      const listed = await server.api('GET', '/api/v1/tokens')
      expect(JSON.stringify(listed.body)).not.toContain(created.body.token)
    })

    it('keeps SDK keys off the admin API and API tokens off the SDK API', async () => {
      const key = (
        await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
      ).body.key
      expect((await server.api('GET', '/api/v1/flags', undefined, { token: key })).status).toBe(401)
      expect((await server.api('GET', '/sdk/v1/flags', undefined, { token: writer })).status).toBe(
        401,
      )
      expect((await server.api('GET', '/sdk/v1/flags', undefined, { token: key })).status).toBe(200)
    })
  })

  describe('environments and SDK keys', () => {
    it('creates an environment with keys in which every flag starts off', async () => {
      const res = await server.api('POST', '/api/v1/environments', {
        key: 'staging',
        name: 'Staging',
      })
      expect(res.status).toBe(201)
      expect(res.body.keys.map((k: { type: string }) => k.type).sort()).toEqual([
        'client',
        'server',
      ])
      const config = await server.api('GET', '/api/v1/flags/new-checkout/envs/staging')
      expect(config.body.on).toBe(false)
    })

    it('shows a server key once and lists it without the secret', async () => {
      const created = await server.api('POST', '/api/v1/environments/development/keys', {
        type: 'server',
      })
      expect(created.status).toBe(201)
      expect(created.body.key).toMatch(/^sy_srv_/)
      const listed = await server.api('GET', '/api/v1/environments/development/keys')
      expect(JSON.stringify(listed.body)).not.toContain(created.body.key)
      expect(listed.body.items.find((k: { id: string }) => k.id === created.body.id).prefix).toBe(
        created.body.key.slice(0, 12),
      )
    })
  })

  describe('SDK polling', () => {
    it('serves the snapshot with an ETag and answers 304 when unchanged', async () => {
      const key = (
        await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
      ).body.key
      const first = await server.api('GET', '/sdk/v1/flags', undefined, { token: key })
      expect(first.status).toBe(200)
      expect(first.body.version).toEqual(expect.any(Number))
      expect(first.body.flags.find((f: { key: string }) => f.key === 'new-checkout')).toMatchObject(
        { on: false, variations: [true, false] },
      )
      const etag = first.headers.get('etag')!
      const unchanged = await server.api('GET', '/sdk/v1/flags', undefined, {
        token: key,
        headers: { 'if-none-match': etag },
      })
      expect(unchanged.status).toBe(304)
      await server.api('POST', '/api/v1/flags/new-checkout/envs/production/restore')
      // The snapshot follows the write within milliseconds (after commit, through the change bus).
      const changed = await waitFor(async () => {
        const res = await server.api('GET', '/sdk/v1/flags', undefined, {
          token: key,
          headers: { 'if-none-match': etag },
        })
        return res.status === 200 ? res : null
      })
      expect(changed.body.version).toBeGreaterThan(first.body.version)
    })
  })

  describe('SDK polling conditional requests', () => {
    it('answers 304 to a weak tag, a list holding the tag, and *', async () => {
      const key = (
        await server.api('POST', '/api/v1/environments/development/keys', { type: 'server' })
      ).body.key
      const etag = (
        await server.api('GET', '/sdk/v1/flags', undefined, { token: key })
      ).headers.get('etag')!
      for (const header of [`W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await server.api('GET', '/sdk/v1/flags', undefined, {
          token: key,
          headers: { 'if-none-match': header },
        })
        expect(res.status, header).toBe(304)
      }
      const other = await server.api('GET', '/sdk/v1/flags', undefined, {
        token: key,
        headers: { 'if-none-match': '"development-0"' },
      })
      expect(other.status).toBe(200)
    })
  })

  describe('stream endpoint over plain HTTP', () => {
    it('answers 426 upgrade-required to a GET without an upgrade', async () => {
      const res = await server.api('GET', '/sdk/v1/stream', undefined, { token: null })
      expect(res.status).toBe(426)
      expect(res.body.type).toBe('urn:switchyard:problem:upgrade-required')
    })
  })

  describe('bad input', () => {
    const cases: Array<{
      label: string
      method: string
      path: string
      body?: unknown
      raw?: string
      headers?: Record<string, string>
      status: number
      field?: string
      slug?: string
    }> = [
      {
        label: 'malformed JSON',
        method: 'POST',
        path: '/api/v1/flags',
        raw: '{"key": ',
        status: 400,
        slug: 'invalid-json',
      },
      {
        label: 'a key with a space',
        method: 'POST',
        path: '/api/v1/flags',
        body: { key: 'bad key' },
        status: 400,
        field: 'key',
      },
      {
        label: 'a key that is too long',
        method: 'POST',
        path: '/api/v1/flags',
        body: { key: 'a'.repeat(129) },
        status: 400,
        field: 'key',
      },
      {
        label: 'a missing key',
        method: 'POST',
        path: '/api/v1/flags',
        body: { name: 'x' },
        status: 400,
        field: 'key',
      },
      {
        label: 'an unknown field',
        method: 'POST',
        path: '/api/v1/flags',
        body: { key: 'ok-key', colour: 'red' },
        status: 400,
        field: 'colour',
      },
      {
        label: 'a wrong type',
        method: 'POST',
        path: '/api/v1/flags',
        body: { key: 'ok-key', clientSide: 'yes' },
        status: 400,
        field: 'clientSide',
      },
      {
        label: 'an unknown kind',
        method: 'POST',
        path: '/api/v1/flags',
        body: { key: 'ok-key', kind: 'date' },
        status: 400,
        field: 'kind',
      },
      {
        label: 'variations of the wrong kind',
        method: 'POST',
        path: '/api/v1/flags',
        body: { key: 'ok-key', kind: 'number', variations: [{ value: 1 }, { value: 'two' }] },
        status: 400,
        field: 'variations.1.value',
      },
      {
        label: 'a JSON array body',
        method: 'POST',
        path: '/api/v1/flags',
        body: [1, 2],
        status: 400,
      },
      {
        label: 'an unknown flag',
        method: 'POST',
        path: '/api/v1/flags/nope/envs/production/kill',
        body: {},
        status: 404,
      },
      {
        label: 'an unknown environment',
        method: 'POST',
        path: '/api/v1/flags/new-checkout/envs/nope/kill',
        body: {},
        status: 404,
      },
      {
        label: 'an unknown field on kill',
        method: 'POST',
        path: '/api/v1/flags/new-checkout/envs/production/kill',
        body: { reason: 'x' },
        status: 400,
        field: 'reason',
      },
      {
        label: 'an out-of-range offVariation',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: { offVariation: 5 },
        status: 400,
        field: 'offVariation',
      },
      {
        label: 'weights that do not sum to 100000',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: { fallthrough: { rollout: { weights: [50, 50] } } },
        status: 400,
        field: 'fallthrough',
      },
      {
        label: 'an unknown operator',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: {
          rules: [
            { clauses: [{ attribute: 'a', op: 'near', values: [] }], serve: { variation: 0 } },
          ],
        },
        status: 400,
        field: 'rules.0.clauses.0.op',
      },
      {
        label: 'a regex that does not compile',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: {
          rules: [
            {
              clauses: [{ attribute: 'email', op: 'matches', values: ['(unclosed'] }],
              serve: { variation: 0 },
            },
          ],
        },
        status: 400,
        field: 'rules.0.clauses.0',
      },
      {
        label: 'a semver that does not parse',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: {
          rules: [
            {
              clauses: [{ attribute: 'v', op: 'semVerEqual', values: ['one.two'] }],
              serve: { variation: 0 },
            },
          ],
        },
        status: 400,
        field: 'rules.0.clauses.0',
      },
      {
        label: 'a date that does not parse',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: {
          rules: [
            {
              clauses: [{ attribute: 'signup', op: 'before', values: ['yesterday'] }],
              serve: { variation: 0 },
            },
          ],
        },
        status: 400,
        field: 'rules.0.clauses.0',
      },
      {
        label: 'a value that does not fit the operator',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: {
          rules: [
            {
              clauses: [{ attribute: 'age', op: 'lessThan', values: ['old'] }],
              serve: { variation: 0 },
            },
          ],
        },
        status: 400,
        field: 'rules.0.clauses.0',
      },
      {
        label: 'a prerequisite that does not exist',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: { prerequisites: [{ flag: 'ghost', variation: 0 }] },
        status: 400,
        field: 'prerequisites.0.flag',
      },
      {
        label: 'a bad If-Match',
        method: 'PATCH',
        path: '/api/v1/flags/new-checkout/envs/production',
        body: { on: true },
        headers: { 'if-match': 'yesterday' },
        status: 400,
        field: 'If-Match',
      },
      {
        label: 'a bad since',
        method: 'GET',
        path: '/api/v1/changes?since=lately',
        status: 400,
        field: 'since',
      },
      {
        label: 'a bad role',
        method: 'POST',
        path: '/api/v1/tokens',
        body: { name: 'x', role: 'root' },
        status: 400,
        field: 'role',
      },
      {
        label: 'a bad key type',
        method: 'POST',
        path: '/api/v1/environments/production/keys',
        body: { type: 'mobile' },
        status: 400,
        field: 'type',
      },
      {
        label: 'a non-JSON content type',
        method: 'POST',
        path: '/api/v1/flags',
        raw: '<flag/>',
        headers: { 'content-type': 'text/xml' },
        status: 415,
        slug: 'unsupported-media-type',
      },
      {
        label: 'an oversize body',
        method: 'POST',
        path: '/api/v1/flags',
        raw: JSON.stringify({ key: 'big', description: 'x'.repeat(9 * 1024 * 1024) }),
        status: 413,
        slug: 'payload-too-large',
      },
      { label: 'an unknown route', method: 'GET', path: '/api/v1/nothing-here', status: 404 },
      {
        label: 'a NUL character in a name',
        method: 'POST',
        path: '/api/v1/flags',
        body: { key: 'nul-flag', name: 'bad\u0000name' },
        status: 400,
        field: 'name',
      },
      {
        label: 'a NUL character in a query parameter',
        method: 'GET',
        path: '/api/v1/flags?tag=a%00b',
        status: 400,
        field: 'tag',
      },
      {
        label: 'a NUL character in a path parameter',
        method: 'DELETE',
        path: '/api/v1/tokens/tok%00',
        status: 400,
        field: 'id',
      },
      {
        label: 'a cursor past the id range',
        method: 'GET',
        path: '/api/v1/changes?cursor=999999999999',
        status: 400,
        field: 'cursor',
      },
      {
        label: 'a since too far back',
        method: 'GET',
        path: '/api/v1/changes?since=999999999d',
        status: 400,
        field: 'since',
      },
      {
        label: 'shrinking variations a prerequisite uses',
        method: 'PATCH',
        path: '/api/v1/flags/pre-b',
        body: { variations: [{ value: true }] },
        status: 400,
        field: 'variations',
      },
      {
        label: 'a rollout stage due beyond any date',
        method: 'POST',
        path: '/api/v1/rollouts',
        body: {
          flag: 'banner-copy',
          env: 'development',
          variation: 0,
          stages: [{ percent: 10, after: '999999999d' }],
        },
        status: 400,
        field: 'stages.0.after',
      },
      {
        label: 'a later rollout stage due beyond any date',
        method: 'POST',
        path: '/api/v1/rollouts',
        body: {
          flag: 'banner-copy',
          env: 'development',
          variation: 0,
          stages: [{ percent: 10 }, { percent: 50, after: '999999999d' }],
        },
        status: 400,
        field: 'stages.1.after',
      },
    ]

    it.each(cases)('answers $status to $label, naming the field, and writes nothing', async (c) => {
      const before = await changeCount()
      const res = await server.api(c.method, c.path, c.raw ?? c.body, { headers: c.headers })
      expect(res.status).toBe(c.status)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(res.body.status).toBe(c.status)
      if (c.slug) expect(res.body.type).toBe(`urn:switchyard:problem:${c.slug}`)
      if (c.field) {
        const paths = (res.body.errors ?? []).map((e: { path: string }) => e.path)
        expect(paths.some((p: string) => p === c.field || p.startsWith(`${c.field}.`))).toBe(true)
      }
      expect(await changeCount()).toBe(before)
    })
  })
})
