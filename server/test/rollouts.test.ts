import { createFlagStore, type WireFlag } from '@switchyard/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openPostgres, type Database } from '../src/db/client.js'
import { createPostgresDatabase, describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

const MINUTE = 60_000

describeEachDb('rollouts and schedules', (target) => {
  let database: Database
  let server: TestServer
  let sdkKey: string
  let now = new Date('2030-01-01T09:00:00Z')
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms)
  }

  beforeAll(async () => {
    database = await target.open()
    // The interval timer is off: tests drive the scheduler with tick() and a fake clock.
    server = await startTestServer(
      database,
      { SWITCHYARD_SCHEDULER_INTERVAL_MS: '0' },
      { clock: () => now },
    )
    sdkKey = (await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' }))
      .body.key
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  const config = async (flag: string) =>
    (await server.api('GET', `/api/v1/flags/${flag}/envs/production`)).body
  const rollout = async (id: string) => (await server.api('GET', `/api/v1/rollouts/${id}`)).body
  const servedTrue = async (flag: string, version: number) => {
    const snapshot = await waitFor(async () => {
      const res = await server.api('GET', '/sdk/v1/flags', undefined, { token: sdkKey })
      return res.body.flags.find((f: WireFlag) => f.key === flag && f.version >= version)
        ? res.body
        : null
    })
    const store = createFlagStore()
    store.put(snapshot.version, snapshot.flags)
    const keys = Array.from({ length: 4000 }, (_, i) => `user-${i}`)
    return new Set(keys.filter((key) => store.variation(flag, { key }, false)))
  }

  describe('a progressive rollout', () => {
    let id: string

    it('applies a first stage due now at once, and turns the flag on', async () => {
      await server.api('POST', '/api/v1/flags', { key: 'new-search' })
      const res = await server.api('POST', '/api/v1/rollouts', {
        flag: 'new-search',
        env: 'production',
        variation: 0,
        stages: [
          { percent: 10 },
          { percent: 25, after: '30m' },
          { percent: 50, after: '1h' },
          { percent: 100, after: '1h' },
        ],
        comment: 'migrate search',
      })
      expect(res.status).toBe(201)
      id = res.body.id
      expect(res.body).toMatchObject({
        state: 'active',
        currentStage: 0,
        currentPercent: 10,
        baseline: 1,
        nextAt: new Date(now.getTime() + 30 * MINUTE).toISOString(),
      })
      const c = await config('new-search')
      expect(c.on).toBe(true)
      expect(c.fallthrough).toEqual({ rollout: { weights: [10_000, 90_000] } })
    })

    it('raises the share stage by stage, exactly when due, stickily', async () => {
      const atTen = await servedTrue('new-search', (await config('new-search')).version)
      expect(Math.abs(atTen.size / 4000 - 0.1)).toBeLessThan(0.02)
      advance(29 * MINUTE)
      expect(await server.scheduler.tick()).toBe(0)
      advance(MINUTE)
      expect(await server.scheduler.tick()).toBe(1)
      expect((await rollout(id)).currentPercent).toBe(25)
      const atQuarter = await servedTrue('new-search', (await config('new-search')).version)
      for (const key of atTen) expect(atQuarter.has(key)).toBe(true)
      const change = (await server.api('GET', '/api/v1/changes?flag=new-search&limit=1')).body
        .items[0]
      expect(change).toMatchObject({ actor: `schedule:${id}`, action: 'rollout.step' })
    })

    it('runs a step missed while the server was down once, not once per missed tick', async () => {
      advance(10 * 60 * MINUTE)
      expect(await server.scheduler.tick()).toBe(1)
      expect(await server.scheduler.tick()).toBe(0)
      const r = await rollout(id)
      expect(r.currentPercent).toBe(50)
      expect(r.nextAt).toBe(new Date(now.getTime() + 60 * MINUTE).toISOString())
    })

    it('pauses and resumes with the time that was left', async () => {
      advance(20 * MINUTE)
      const paused = await server.api('POST', `/api/v1/rollouts/${id}/pause`, {
        comment: 'watching dashboards',
      })
      expect(paused.body).toMatchObject({
        state: 'paused',
        nextAt: null,
        pauseReason: 'watching dashboards',
      })
      advance(5 * 60 * MINUTE)
      expect(await server.scheduler.tick()).toBe(0)
      const resumed = await server.api('POST', `/api/v1/rollouts/${id}/resume`)
      expect(resumed.body.nextAt).toBe(new Date(now.getTime() + 40 * MINUTE).toISOString())
      expect((await server.api('POST', `/api/v1/rollouts/${id}/resume`)).status).toBe(409)
    })

    it('completes at 100% with a plain fallthrough', async () => {
      advance(40 * MINUTE)
      expect(await server.scheduler.tick()).toBe(1)
      expect(await rollout(id)).toMatchObject({
        state: 'completed',
        currentPercent: 100,
        nextAt: null,
      })
      expect((await config('new-search')).fallthrough).toEqual({ variation: 0 })
      const listed = await server.api('GET', '/api/v1/rollouts?env=production&state=completed')
      expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(id)
    })
  })

  it('aborts back to where the flag stood before', async () => {
    await server.api('POST', '/api/v1/flags', { key: 'new-cart' })
    const before = await config('new-cart')
    const res = await server.api('POST', '/api/v1/rollouts', {
      flag: 'new-cart',
      env: 'production',
      variation: 0,
      stages: [{ percent: 20 }, { percent: 60, after: '1h' }],
    })
    expect((await config('new-cart')).on).toBe(true)
    expect(
      (
        await server.api('POST', '/api/v1/rollouts', {
          flag: 'new-cart',
          env: 'production',
          variation: 0,
          stages: [{ percent: 5 }],
        })
      ).status,
    ).toBe(409)
    const aborted = await server.api('POST', `/api/v1/rollouts/${res.body.id}/abort`, {
      comment: 'not today',
    })
    expect(aborted.body.state).toBe('aborted')
    const after = await config('new-cart')
    expect({ on: after.on, fallthrough: after.fallthrough }).toEqual({
      on: before.on,
      fallthrough: before.fallthrough,
    })
  })

  it('rolls a guarded rollout back to its last safe stage and pauses it when a trigger fires', async () => {
    await server.api('POST', '/api/v1/flags', { key: 'new-pricing' })
    const trigger = await server.api('POST', '/api/v1/triggers', {
      name: 'pricing-errors',
      flag: 'new-pricing',
      env: 'production',
      action: 'restore',
      format: 'generic',
    })
    const res = await server.api('POST', '/api/v1/rollouts', {
      flag: 'new-pricing',
      env: 'production',
      variation: 0,
      stages: [{ percent: 5 }, { percent: 30, after: '15m' }, { percent: 100, after: '1h' }],
      guard: { triggers: [trigger.body.id] },
    })
    advance(15 * MINUTE)
    await server.scheduler.tick()
    expect((await rollout(res.body.id)).currentPercent).toBe(30)

    const fired = await fetch(trigger.body.url, {
      method: 'POST',
      body: JSON.stringify({ summary: 'pricing 5xx', alertKey: 'p1' }),
    })
    expect(await fired.json()).toMatchObject({ rolledBack: 1 })
    const r = await rollout(res.body.id)
    expect(r).toMatchObject({ state: 'paused', currentStage: 0, currentPercent: 5 })
    expect(r.pauseReason).toContain('trigger pricing-errors fired (pricing 5xx)')
    expect((await config('new-pricing')).fallthrough).toEqual({
      rollout: { weights: [5000, 95_000] },
    })
    const change = (
      await server.api('GET', '/api/v1/changes?flag=new-pricing&limit=5')
    ).body.items.find((c: { action: string }) => c.action === 'rollout.rollback')
    expect(change.comment).toContain('rolled back to 5%')
    advance(2 * 60 * MINUTE)
    expect(await server.scheduler.tick()).toBe(0)
  })

  it('leaves a killed flag off when a later stage comes due', async () => {
    await server.api('POST', '/api/v1/flags', { key: 'killed-mid-rollout' })
    await server.api('POST', '/api/v1/rollouts', {
      flag: 'killed-mid-rollout',
      env: 'production',
      variation: 0,
      stages: [{ percent: 10 }, { percent: 50, after: '10m' }],
    })
    await server.api('POST', '/api/v1/flags/killed-mid-rollout/envs/production/kill', {
      comment: 'incident',
    })
    advance(10 * MINUTE)
    expect(await server.scheduler.tick()).toBe(1)
    const c = await config('killed-mid-rollout')
    expect(c.on).toBe(false)
    expect(c.fallthrough).toEqual({ rollout: { weights: [50_000, 50_000] } })
  })

  it('refuses to shrink the variations a running rollout uses', async () => {
    await server.api('POST', '/api/v1/flags', {
      key: 'shrinking',
      kind: 'string',
      variations: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    })
    const r = await server.api('POST', '/api/v1/rollouts', {
      flag: 'shrinking',
      env: 'production',
      variation: 2,
      stages: [{ percent: 10, after: '10m' }],
    })
    expect(r.status).toBe(201)
    const res = await server.api('PATCH', '/api/v1/flags/shrinking', {
      variations: [{ value: 'a' }, { value: 'b' }],
    })
    expect(res.status).toBe(409)
    expect(res.body.usedBy).toEqual([{ rollout: r.body.id, env: 'production' }])
    await server.api('POST', `/api/v1/rollouts/${r.body.id}/abort`)
  })

  it.each([
    {
      label: 'decreasing stages',
      body: { stages: [{ percent: 50 }, { percent: 20, after: '1h' }] },
      field: 'stages.1.percent',
    },
    {
      label: 'a bad duration',
      body: { stages: [{ percent: 50, after: 'soon' }] },
      field: 'stages.0.after',
    },
    { label: 'a missing variation', body: { variation: 7 }, field: 'variation' },
    {
      label: 'an unknown trigger in the guard',
      body: { guard: { triggers: ['trg_nope'] } },
      field: 'guard.triggers.0',
    },
  ])('refuses $label', async ({ body, field }) => {
    await server.api('POST', '/api/v1/flags', { key: 'refused-rollout' })
    const res = await server.api('POST', '/api/v1/rollouts', {
      flag: 'refused-rollout',
      env: 'production',
      variation: 0,
      stages: [{ percent: 10 }],
      ...body,
    })
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field)
  })

  describe('scheduled changes', () => {
    it('applies a change at its time, once, as schedule:<id>', async () => {
      await server.api('POST', '/api/v1/flags', { key: 'promo' })
      const at = new Date(now.getTime() + 60 * MINUTE).toISOString()
      const res = await server.api('POST', '/api/v1/schedules', {
        flag: 'promo',
        env: 'production',
        at,
        patch: { on: true },
        comment: 'launch at ten',
      })
      expect(res.status).toBe(201)
      advance(59 * MINUTE)
      expect(await server.scheduler.tick()).toBe(0)
      advance(MINUTE)
      expect(await server.scheduler.tick()).toBe(1)
      expect(await server.scheduler.tick()).toBe(0)
      expect((await config('promo')).on).toBe(true)
      const listed = (await server.api('GET', '/api/v1/schedules?state=done')).body.items
      expect(listed.map((s: { id: string }) => s.id)).toContain(res.body.id)
      const change = (await server.api('GET', '/api/v1/changes?flag=promo&limit=1')).body.items[0]
      expect(change).toMatchObject({
        actor: `schedule:${res.body.id}`,
        action: 'schedule.apply',
        comment: 'launch at ten',
      })
    })

    it('refuses a change the flag does not accept now, naming the field, and writes nothing', async () => {
      const before = (await server.api('GET', '/api/v1/changes?limit=1')).body.items[0].id
      const at = new Date(now.getTime() + MINUTE).toISOString()
      const offRange = await server.api('POST', '/api/v1/schedules', {
        flag: 'promo',
        env: 'production',
        at,
        patch: { offVariation: 9 },
      })
      expect(offRange.status).toBe(400)
      expect(offRange.body.errors.map((e: { path: string }) => e.path)).toContain(
        'patch.offVariation',
      )
      const badRule = {
        clauses: [{ attribute: 'email', op: 'matches', values: ['(unclosed'] }],
        serve: { variation: 0 },
      }
      const uncompilable = await server.api('POST', '/api/v1/schedules', {
        flag: 'promo',
        env: 'production',
        at,
        patch: { rules: [badRule] },
      })
      expect(uncompilable.status).toBe(400)
      expect(uncompilable.body.errors[0].path).toMatch(/^patch\.rules\.0/)
      expect((await server.api('GET', '/api/v1/changes?limit=1')).body.items[0].id).toBe(before)
      expect((await server.api('GET', '/api/v1/schedules?state=pending')).body.items).toEqual([])
    })

    it('marks a change the flag no longer accepts as failed, with why', async () => {
      await server.api('POST', '/api/v1/flags', { key: 'promo-pre' })
      const res = await server.api('POST', '/api/v1/schedules', {
        flag: 'promo',
        env: 'production',
        at: now.toISOString(),
        patch: { prerequisites: [{ flag: 'promo-pre', variation: 0 }] },
      })
      expect(res.status).toBe(201)
      expect((await server.api('DELETE', '/api/v1/flags/promo-pre')).status).toBe(204)
      await server.scheduler.tick()
      const failed = (await server.api('GET', '/api/v1/schedules?state=failed')).body.items.find(
        (s: { id: string }) => s.id === res.body.id,
      )
      expect(failed.error).toContain('promo-pre')
    })

    it('can be cancelled before it runs', async () => {
      const res = await server.api('POST', '/api/v1/schedules', {
        flag: 'promo',
        env: 'production',
        at: new Date(now.getTime() + MINUTE).toISOString(),
        patch: { on: false },
      })
      expect((await server.api('DELETE', `/api/v1/schedules/${res.body.id}`)).body.state).toBe(
        'cancelled',
      )
      advance(2 * MINUTE)
      expect(await server.scheduler.tick()).toBe(0)
      expect((await config('promo')).on).toBe(true)
    })
  })
})

describe.runIf(inject('postgres'))('rollout steps with two replicas', () => {
  it('run exactly once when both schedulers tick at the same moment', async () => {
    const url = await createPostgresDatabase()
    const databases = [openPostgres(url), openPostgres(url)]
    let now = new Date('2030-06-01T00:00:00Z')
    const clock = () => now
    const env = { SWITCHYARD_SCHEDULER_INTERVAL_MS: '0' }
    const a = await startTestServer(databases[0]!, env, { clock })
    const b = await startTestServer(databases[1]!, env, { clock })
    try {
      await a.api('POST', '/api/v1/flags', { key: 'racy' })
      const stages = Array.from({ length: 10 }, (_, i) => ({ percent: (i + 1) * 10, after: '1m' }))
      const res = await a.api('POST', '/api/v1/rollouts', {
        flag: 'racy',
        env: 'production',
        variation: 0,
        stages,
      })
      for (let i = 0; i < 10; i++) {
        now = new Date(now.getTime() + MINUTE)
        const [x, y] = await Promise.all([a.scheduler.tick(), b.scheduler.tick()])
        expect(x + y).toBe(1)
      }
      const steps = (await a.api('GET', '/api/v1/changes?flag=racy&limit=100')).body.items.filter(
        (c: { action: string }) => c.action.startsWith('rollout.'),
      )
      expect(steps.filter((c: { action: string }) => c.action === 'rollout.step')).toHaveLength(9)
      expect(steps.filter((c: { action: string }) => c.action === 'rollout.complete')).toHaveLength(
        1,
      )
      expect((await a.api('GET', `/api/v1/rollouts/${res.body.id}`)).body.state).toBe('completed')
    } finally {
      await a.close()
      await b.close()
      for (const d of databases) await d.close()
    }
  })
})
