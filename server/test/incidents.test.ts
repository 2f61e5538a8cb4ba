import { createFlagStore, type WireFlag } from '@switchyard/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

describeEachDb('incident controls', (target) => {
  let database: Database
  let server: TestServer
  let sdkKey: string

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    sdkKey = (await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' }))
      .body.key
    await server.api('POST', '/api/v1/flags', { key: 'payments' })
    await server.api('POST', '/api/v1/flags/payments/envs/production/restore')
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  /** An SDK-side store filled from the polling endpoint, once `flag` has reached `configVersion`. */
  async function sdkStore(flag: string, configVersion: number) {
    const snapshot = await waitFor(async () => {
      const res = await server.api('GET', '/sdk/v1/flags', undefined, { token: sdkKey })
      const wire = res.body.flags.find((f: WireFlag) => f.key === flag)
      return wire && wire.version >= configVersion ? res.body : null
    })
    const store = createFlagStore()
    store.put(snapshot.version, snapshot.flags as WireFlag[])
    return store
  }

  describe('targeted kill', () => {
    it('puts a kill rule in front that serves the off variation to matching contexts only', async () => {
      const res = await server.api('POST', '/api/v1/flags/payments/envs/production/kill', {
        clauses: [{ attribute: 'platform', op: 'in', values: ['android'] }],
        comment: 'android crash loop',
      })
      expect(res.status).toBe(200)
      expect(res.body.changed).toBe(true)
      expect(res.body.config.on).toBe(true)
      expect(res.body.config.rules[0]).toMatchObject({ kill: true, serve: { variation: 1 } })
      expect(res.body.config.killSwitch).toEqual({
        killed: false,
        rules: [
          {
            id: res.body.config.rules[0].id,
            clauses: [expect.objectContaining({ attribute: 'platform' })],
          },
        ],
      })

      const store = await sdkStore('payments', res.body.config.version)
      expect(store.variation('payments', { key: 'a', platform: 'android' }, true)).toBe(false)
      expect(store.variation('payments', { key: 'a', platform: 'ios' }, false)).toBe(true)
      const change = (await server.api('GET', '/api/v1/changes?flag=payments&limit=1')).body
        .items[0]
      expect(change).toMatchObject({ action: 'flag.kill.targeted', comment: 'android crash loop' })
    })

    it('is idempotent for the same clauses', async () => {
      const res = await server.api('POST', '/api/v1/flags/payments/envs/production/kill', {
        clauses: [{ attribute: 'platform', op: 'in', values: ['android'] }],
      })
      expect(res.body.changed).toBe(false)
      expect(res.body.config.rules.filter((r: { kill?: boolean }) => r.kill)).toHaveLength(1)
    })

    it('restores one kill rule by id, or all of them', async () => {
      const second = await server.api('POST', '/api/v1/flags/payments/envs/production/kill', {
        clauses: [{ attribute: 'region', op: 'in', values: ['eu-west'] }],
      })
      const [regionRule, androidRule] = second.body.config.rules
      const one = await server.api('POST', '/api/v1/flags/payments/envs/production/restore', {
        ruleId: regionRule.id,
      })
      expect(one.body.config.rules.map((r: { id: string }) => r.id)).toEqual([androidRule.id])
      expect(
        (
          await server.api('POST', '/api/v1/flags/payments/envs/production/restore', {
            ruleId: 'nope',
          })
        ).status,
      ).toBe(404)
      await server.api('POST', '/api/v1/flags/payments/envs/production/kill')
      const all = await server.api('POST', '/api/v1/flags/payments/envs/production/restore', {
        comment: 'fixed',
      })
      expect(all.body.config).toMatchObject({
        on: true,
        rules: [],
        killSwitch: { killed: false, rules: [] },
      })
    })

    it('answers a repeated restore of one kill rule with changed false, like a repeated kill', async () => {
      const kill = await server.api('POST', '/api/v1/flags/payments/envs/production/kill', {
        clauses: [{ attribute: 'region', op: 'in', values: ['ap-south'] }],
      })
      const ruleId = kill.body.config.rules[0].id
      const first = await server.api('POST', '/api/v1/flags/payments/envs/production/restore', {
        ruleId,
      })
      expect(first.body.changed).toBe(true)
      const lastChange = async () =>
        (await server.api('GET', '/api/v1/changes?limit=1')).body.items[0].id
      const before = await lastChange()
      const again = await server.api('POST', '/api/v1/flags/payments/envs/production/restore', {
        ruleId,
      })
      expect(again.status).toBe(200)
      expect(again.body).toMatchObject({
        changed: false,
        config: { version: first.body.config.version },
      })
      expect(again.headers.get('etag')).toBe(`"${first.body.config.version}"`)
      expect(await lastChange()).toBe(before)
      // A rule this flag never had is still a mistake worth saying so.
      const other = await server.api('POST', '/api/v1/flags/payments/envs/development/restore', {
        ruleId,
      })
      expect(other.status).toBe(404)
    })

    it('accepts a GET response back as a PUT body', async () => {
      await server.api('POST', '/api/v1/flags/payments/envs/production/kill', {
        clauses: [{ attribute: 'platform', op: 'in', values: ['web'] }],
      })
      const current = await server.api('GET', '/api/v1/flags/payments/envs/production')
      const res = await server.api('PUT', '/api/v1/flags/payments/envs/production', current.body, {
        headers: { 'if-match': current.headers.get('etag')! },
      })
      expect(res.status).toBe(200)
      expect(res.body.rules).toEqual(current.body.rules)
      await server.api('POST', '/api/v1/flags/payments/envs/production/restore')
    })
  })

  describe('kill by tag', () => {
    it('kills every tagged flag at one version, streamed as one batch', async () => {
      for (const key of ['menu-burger', 'menu-salad', 'menu-soup']) {
        await server.api('POST', '/api/v1/flags', { key, tags: ['menu'] })
        if (key !== 'menu-soup')
          await server.api('POST', `/api/v1/flags/${key}/envs/production/restore`)
      }
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sdk/v1/stream`, {
        headers: { authorization: `Bearer ${sdkKey}` },
      })
      const messages: any[] = []
      ws.on('message', (data) => messages.push(JSON.parse(data.toString())))
      // Wait until the stream has caught up with every earlier write.
      const current = (await server.api('GET', '/api/v1/environments/production')).body.version
      await waitFor(() => messages.at(-1)?.version === current)
      const seen = messages.length

      const res = await server.api('POST', '/api/v1/envs/production/kill', {
        tag: 'menu',
        comment: 'sold out',
      })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({
        tag: 'menu',
        env: 'production',
        changed: ['menu-burger', 'menu-salad'],
        unchanged: ['menu-soup'],
      })

      const batch = await waitFor(() => messages.slice(seen).find((m) => m.type === 'put'))
      expect(batch.version).toBe(current + 1)
      expect(messages.slice(seen).filter((m) => m.type === 'patch')).toEqual([])
      const menu = batch.flags.filter((f: { key: string }) => f.key.startsWith('menu-'))
      expect(menu.map((f: { on: boolean }) => f.on)).toEqual([false, false, false])

      const changes = (await server.api('GET', '/api/v1/changes?env=production&limit=2')).body.items
      expect(
        changes.map((c: { action: string; version: number }) => [c.action, c.version]),
      ).toEqual([
        ['flag.kill.tag', batch.version],
        ['flag.kill.tag', batch.version],
      ])
      const again = await server.api('POST', '/api/v1/envs/production/kill', { tag: 'menu' })
      expect(again.body.changed).toEqual([])
      const restored = await server.api('POST', '/api/v1/envs/production/restore', { tag: 'menu' })
      expect(restored.body.changed).toEqual(['menu-burger', 'menu-salad', 'menu-soup'])
      ws.close()
    })

    it('needs a tag and a known environment', async () => {
      expect(
        (await server.api('POST', '/api/v1/envs/production/kill', {})).body.errors[0].path,
      ).toBe('tag')
      expect((await server.api('POST', '/api/v1/envs/mars/kill', { tag: 'menu' })).status).toBe(404)
    })
  })

  describe('safety valves', () => {
    it('throttles stickily: the contexts let through at 25% are still let through at 50%', async () => {
      await server.api('POST', '/api/v1/flags', { key: 'search-backend', safetyValve: true })
      await server.api('POST', '/api/v1/flags/search-backend/envs/production/restore')
      const keys = Array.from({ length: 10_000 }, (_, i) => `ctx-${i}`)
      const through = async (percent: number) => {
        const res = await server.api(
          'POST',
          '/api/v1/flags/search-backend/envs/production/throttle',
          { percent, comment: 'search overloaded' },
        )
        expect(res.status).toBe(200)
        const store = await sdkStore('search-backend', res.body.config.version)
        return new Set(keys.filter((key) => store.variation('search-backend', { key }, false)))
      }
      // why: the flag's salt is random, so the shares vary from run to run (σ ≈ 0.5 pp over
      // 10,000 keys); 2.5 pp is 5σ. 1.5 pp (3.5σ) failed once in a full run.
      const quarter = await through(25)
      expect(Math.abs(quarter.size / keys.length - 0.25)).toBeLessThan(0.025)
      const half = await through(50)
      expect(Math.abs(half.size / keys.length - 0.5)).toBeLessThan(0.025)
      for (const key of quarter) expect(half.has(key)).toBe(true)
      const tenth = await through(10)
      for (const key of tenth) expect(quarter.has(key)).toBe(true)

      const valves = await server.api('GET', '/api/v1/envs/production/valves')
      expect(valves.body.items).toEqual([
        expect.objectContaining({ flag: 'search-backend', on: true, open: 10 }),
      ])
      const restored = await server.api(
        'POST',
        '/api/v1/flags/search-backend/envs/production/restore',
        { comment: 'recovered' },
      )
      expect(restored.body.config.fallthrough).toEqual({ variation: 0 })
      expect((await server.api('GET', '/api/v1/envs/production/valves')).body.items[0].open).toBe(
        100,
      )
    })

    it('is idempotent at the same opening', async () => {
      await server.api('POST', '/api/v1/flags/search-backend/envs/production/throttle', {
        percent: 30,
      })
      const again = await server.api(
        'POST',
        '/api/v1/flags/search-backend/envs/production/throttle',
        { percent: 30 },
      )
      expect(again.body.changed).toBe(false)
    })

    it.each([
      { label: 'a percent over 100', body: { percent: 101 }, field: 'percent' },
      { label: 'a missing percent', body: {}, field: 'percent' },
      { label: 'more than three decimals', body: { percent: 1.2345 }, field: 'percent' },
    ])('refuses $label', async ({ body, field }) => {
      const res = await server.api(
        'POST',
        '/api/v1/flags/search-backend/envs/production/throttle',
        body,
      )
      expect(res.status).toBe(400)
      expect(res.body.errors[0].path).toBe(field)
    })

    it('refuses to throttle a non-boolean flag and to make one a valve', async () => {
      await server.api('POST', '/api/v1/flags', {
        key: 'copy',
        kind: 'string',
        variations: [{ value: 'a' }, { value: 'b' }],
      })
      expect(
        (await server.api('POST', '/api/v1/flags/copy/envs/production/throttle', { percent: 5 }))
          .status,
      ).toBe(400)
      expect((await server.api('PATCH', '/api/v1/flags/copy', { safetyValve: true })).status).toBe(
        400,
      )
    })
  })
})
