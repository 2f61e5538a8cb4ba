import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, type TestServer } from './helpers.js'

describeEachDb('revert', (target) => {
  let database: Database
  let server: TestServer

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    await server.api('POST', '/api/v1/flags', { key: 'search' })
    await server.api('POST', '/api/v1/flags', { key: 'cart' })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  const lastChange = async (flag: string) =>
    (await server.api('GET', `/api/v1/changes?flag=${flag}&env=production&limit=1`)).body.items[0]
  const config = async (flag: string) =>
    (await server.api('GET', `/api/v1/flags/${flag}/envs/production`)).body

  describe('one change', () => {
    it('restores the before-state and records the revert', async () => {
      await server.api('PATCH', '/api/v1/flags/search/envs/production', {
        on: true,
        targets: [{ variation: 1, values: ['u1'] }],
      })
      const change = await lastChange('search')
      const res = await server.api('POST', `/api/v1/changes/${change.id}/revert`, {
        comment: 'bad targeting',
      })
      expect(res.status).toBe(200)
      expect(await config('search')).toMatchObject({ on: false, targets: [] })
      const revert = await lastChange('search')
      expect(revert).toMatchObject({
        action: 'change.revert',
        comment: `revert of #${change.id}: bad targeting`,
      })
      expect(revert.before.on).toBe(true)
      expect(revert.after.on).toBe(false)
    })

    it('answers 409 with the later changes when the flag changed since', async () => {
      await server.api('POST', '/api/v1/flags/search/envs/production/restore')
      const first = await lastChange('search')
      await server.api('PATCH', '/api/v1/flags/search/envs/production', {
        fallthrough: { variation: 1 },
        comment: 'later edit',
      })
      const later = await lastChange('search')
      const res = await server.api('POST', `/api/v1/changes/${first.id}/revert`)
      expect(res.status).toBe(409)
      expect(res.body.code).toBe('changed-since')
      expect(res.body.laterChanges.map((c: { id: number }) => c.id)).toEqual([later.id])
      expect(res.body.current.fallthrough).toEqual({ variation: 1 })
      expect(res.body.expected.fallthrough).toEqual({ variation: 0 })
    })

    it('reverts a segment change', async () => {
      await server.api('PUT', '/api/v1/segments/production/vip', { included: ['a'] })
      await server.api('PUT', '/api/v1/segments/production/vip', { included: ['a', 'b'] })
      const change = (await server.api('GET', '/api/v1/changes?env=production&limit=1')).body
        .items[0]
      expect(change.action).toBe('segment.replace')
      expect((await server.api('POST', `/api/v1/changes/${change.id}/revert`)).status).toBe(200)
      expect((await server.api('GET', '/api/v1/segments/production/vip')).body.included).toEqual([
        'a',
      ])
    })

    it('answers 404 for an unknown change and 422 for one that cannot be reverted', async () => {
      expect((await server.api('POST', '/api/v1/changes/999999/revert')).status).toBe(404)
      const created = (
        await server.api('GET', '/api/v1/changes?flag=cart&limit=5')
      ).body.items.find((c: { action: string }) => c.action === 'flag.create')
      const res = await server.api('POST', `/api/v1/changes/${created.id}/revert`)
      expect(res.status).toBe(422)
      expect(res.body.type).toBe('urn:switchyard:problem:not-revertible')
    })
  })

  describe('a window', () => {
    it('plans with dryRun, then reverts everything in one transaction, newest first', async () => {
      const before = { search: await config('search'), cart: await config('cart') }
      const windowStart = new Date().toISOString()
      await server.api('POST', '/api/v1/flags/cart/envs/production/restore', { comment: 'launch' })
      await server.api('POST', '/api/v1/flags/cart/envs/production/kill', {
        clauses: [{ attribute: 'country', op: 'in', values: ['FR'] }],
      })
      await server.api('POST', '/api/v1/flags/search/envs/production/kill')
      await server.api('PUT', '/api/v1/segments/production/fresh', { included: ['x'] })

      const dry = await server.api('POST', '/api/v1/changes/revert', {
        since: windowStart,
        env: 'production',
        dryRun: true,
      })
      expect(dry.status).toBe(200)
      expect(dry.body.dryRun).toBe(true)
      expect(
        dry.body.reverted.map((s: { kind: string; key: string }) => `${s.kind}:${s.key}`),
      ).toEqual(['segment:fresh', 'flag-config:search', 'flag-config:cart'])
      expect((await config('cart')).on).toBe(true)

      const res = await server.api('POST', '/api/v1/changes/revert', {
        since: windowStart,
        env: 'production',
        comment: 'incident 42',
      })
      expect(res.status).toBe(200)
      const cart = await config('cart')
      expect(cart).toMatchObject({ on: before.cart.on, rules: before.cart.rules })
      expect((await config('search')).on).toBe(before.search.on)
      expect((await server.api('GET', '/api/v1/segments/production/fresh')).status).toBe(404)

      const reverts = (await server.api('GET', '/api/v1/changes?env=production&limit=3')).body.items
      expect(reverts.map((c: { action: string }) => c.action)).toEqual([
        'change.revert',
        'change.revert',
        'change.revert',
      ])
      expect(new Set(reverts.map((c: { version: number }) => c.version)).size).toBe(1)
    })

    it('needs since and env', async () => {
      const res = await server.api('POST', '/api/v1/changes/revert', { since: 'soon' })
      expect(res.status).toBe(400)
      expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['env', 'since'])
    })
  })
})
