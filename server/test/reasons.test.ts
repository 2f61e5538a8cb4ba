import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, type TestServer } from './helpers.js'

// "Every write takes a reason: the body's comment, or the X-Switchyard-Comment header." Each row
// makes one write with only the header and expects its change record to carry the reason.
interface Write {
  label: string
  method: string
  path: string | ((ids: Record<string, string | number>) => string)
  body?: unknown
  action: string
  /** Remembers an id from the answer for a later row. */
  keep?: (body: any, ids: Record<string, string | number>) => void
}

const WRITES: Write[] = [
  {
    label: 'flag create',
    method: 'POST',
    path: '/api/v1/flags',
    body: { key: 'why-flag', tags: ['why'] },
    action: 'flag.create',
  },
  {
    label: 'flag update',
    method: 'PATCH',
    path: '/api/v1/flags/why-flag',
    body: { name: 'Why' },
    action: 'flag.update',
  },
  {
    label: 'config patch',
    method: 'PATCH',
    path: '/api/v1/flags/why-flag/envs/production',
    body: { on: true },
    action: 'flag.config.patch',
  },
  {
    label: 'kill',
    method: 'POST',
    path: '/api/v1/flags/why-flag/envs/production/kill',
    action: 'flag.kill',
  },
  {
    label: 'kill by tag',
    method: 'POST',
    path: '/api/v1/envs/production/restore',
    body: { tag: 'why' },
    action: 'flag.restore.tag',
  },
  {
    label: 'segment put',
    method: 'PUT',
    path: '/api/v1/segments/production/why-segment',
    body: { included: ['u1'] },
    action: 'segment.create',
  },
  {
    label: 'rollout create',
    method: 'POST',
    path: '/api/v1/rollouts',
    body: {
      flag: 'why-flag',
      env: 'production',
      variation: 0,
      stages: [
        { percent: 10, after: '1h' },
        { percent: 50, after: '1h' },
      ],
    },
    action: 'rollout.create',
    keep: (body, ids) => (ids.rollout = body.id),
  },
  {
    label: 'rollout pause',
    method: 'POST',
    path: (ids) => `/api/v1/rollouts/${ids.rollout}/pause`,
    action: 'rollout.pause',
  },
  {
    label: 'schedule create',
    method: 'POST',
    path: '/api/v1/schedules',
    body: { flag: 'why-flag', env: 'development', at: '2099-01-01T00:00:00Z', patch: { on: true } },
    action: 'schedule.create',
  },
  {
    label: 'trigger create',
    method: 'POST',
    path: '/api/v1/triggers',
    body: { name: 'why', flag: 'why-flag', env: 'production', action: 'kill', format: 'generic' },
    action: 'trigger.create',
    keep: (body, ids) => (ids.trigger = body.id),
  },
  {
    label: 'trigger delete',
    method: 'DELETE',
    path: (ids) => `/api/v1/triggers/${ids.trigger}`,
    action: 'trigger.delete',
  },
  {
    label: 'token create',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'why-reader', role: 'reader' },
    action: 'token.create',
  },
  {
    label: 'sdk key create',
    method: 'POST',
    path: '/api/v1/environments/development/keys',
    body: { type: 'server' },
    action: 'sdk-key.create',
  },
  {
    label: 'environment create',
    method: 'POST',
    path: '/api/v1/environments',
    body: { key: 'why-env' },
    action: 'environment.create',
  },
  {
    label: 'webhook create',
    method: 'POST',
    path: '/api/v1/webhooks',
    body: { url: 'http://127.0.0.1:9/hook', events: ['flag.kill'] },
    action: 'webhook.create',
  },
]

describeEachDb('reasons from the X-Switchyard-Comment header', (target) => {
  let database: Database
  let server: TestServer
  const ids: Record<string, string | number> = {}

  beforeAll(async () => {
    database = await target.open()
    // A webhook on loopback (port 9, discard) needs the operator's allow-list.
    server = await startTestServer(database, {
      SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
    })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  it.each(WRITES)('records the header as the reason of a $label', async (write) => {
    const path = typeof write.path === 'function' ? write.path(ids) : write.path
    const reason = `because of ${write.label}`
    const res = await server.api(write.method, path, write.body, {
      headers: { 'x-switchyard-comment': reason },
    })
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
    write.keep?.(res.body, ids)
    const change = (await server.api('GET', '/api/v1/changes?since=1h&limit=1')).body.items[0]
    expect(change).toMatchObject({
      action: write.action,
      actor: 'bootstrap-admin',
      comment: reason,
    })
  })

  it('prefers the body comment to the header', async () => {
    const res = await server.api(
      'POST',
      '/api/v1/flags/why-flag/envs/production/kill',
      { comment: 'from the body' },
      {
        headers: { 'x-switchyard-comment': 'from the header' },
      },
    )
    expect(res.status).toBe(200)
    const change = (await server.api('GET', '/api/v1/changes?since=1h&limit=1')).body.items[0]
    expect(change).toMatchObject({ action: 'flag.kill', comment: 'from the body' })
  })

  it('reverts with the header as the reason', async () => {
    const last = (await server.api('GET', '/api/v1/changes?since=1h&limit=1')).body.items[0]
    expect(last.action).toBe('flag.kill')
    const res = await server.api('POST', `/api/v1/changes/${last.id}/revert`, undefined, {
      headers: { 'x-switchyard-comment': 'undo it' },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const change = (await server.api('GET', '/api/v1/changes?since=1h&limit=1')).body.items[0]
    expect(change.action).toBe('change.revert')
    expect(change.comment).toContain('undo it')
  })
})

// Writes whose body is nothing but a reason (disable, rotate, cancel, every DELETE) still take
// the body's `comment`, and, like every other body, refuse a field they do not know.
interface BodyWrite {
  label: string
  method: string
  path: (ids: Record<string, string>) => string
  action: string
}

const BODY_WRITES: BodyWrite[] = [
  {
    label: 'trigger disable',
    method: 'POST',
    path: (ids) => `/api/v1/triggers/${ids.trigger}/disable`,
    action: 'trigger.disable',
  },
  {
    label: 'trigger enable',
    method: 'POST',
    path: (ids) => `/api/v1/triggers/${ids.trigger}/enable`,
    action: 'trigger.enable',
  },
  {
    label: 'trigger rotate',
    method: 'POST',
    path: (ids) => `/api/v1/triggers/${ids.trigger}/rotate`,
    action: 'trigger.rotate',
  },
  {
    label: 'trigger delete',
    method: 'DELETE',
    path: (ids) => `/api/v1/triggers/${ids.trigger}`,
    action: 'trigger.delete',
  },
  {
    label: 'schedule cancel',
    method: 'POST',
    path: (ids) => `/api/v1/schedules/${ids.schedule}/cancel`,
    action: 'schedule.cancel',
  },
  {
    label: 'schedule delete',
    method: 'DELETE',
    path: (ids) => `/api/v1/schedules/${ids.schedule2}`,
    action: 'schedule.cancel',
  },
  {
    label: 'segment delete',
    method: 'DELETE',
    path: () => '/api/v1/segments/production/body-segment',
    action: 'segment.delete',
  },
  {
    label: 'flag delete',
    method: 'DELETE',
    path: () => '/api/v1/flags/body-flag-2',
    action: 'flag.delete',
  },
  {
    label: 'webhook delete',
    method: 'DELETE',
    path: (ids) => `/api/v1/webhooks/${ids.webhook}`,
    action: 'webhook.delete',
  },
  {
    label: 'token revoke',
    method: 'DELETE',
    path: (ids) => `/api/v1/tokens/${ids.token}`,
    action: 'token.revoke',
  },
  {
    label: 'sdk key revoke',
    method: 'DELETE',
    path: (ids) => `/api/v1/environments/development/keys/${ids.key}`,
    action: 'sdk-key.revoke',
  },
]

describeEachDb('reasons from the body of writes that take only a comment', (target) => {
  let database: Database
  let server: TestServer
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    database = await target.open()
    // A webhook on loopback (port 9, discard) needs the operator's allow-list.
    server = await startTestServer(database, {
      SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
    })
    const created = async (method: string, path: string, body: unknown) => {
      const res = await server.api(method, path, body)
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
      return res.body
    }
    await created('POST', '/api/v1/flags', { key: 'body-flag' })
    await created('POST', '/api/v1/flags', { key: 'body-flag-2' })
    await created('PUT', '/api/v1/segments/production/body-segment', { included: ['u1'] })
    ids.trigger = (
      await created('POST', '/api/v1/triggers', {
        name: 'body',
        flag: 'body-flag',
        env: 'production',
        action: 'kill',
      })
    ).id
    const schedule = {
      flag: 'body-flag',
      env: 'development',
      at: '2099-01-01T00:00:00Z',
      patch: { on: true },
    }
    ids.schedule = (await created('POST', '/api/v1/schedules', schedule)).id
    ids.schedule2 = (await created('POST', '/api/v1/schedules', schedule)).id
    ids.webhook = (
      await created('POST', '/api/v1/webhooks', {
        url: 'http://127.0.0.1:9/hook',
        events: ['flag.kill'],
      })
    ).id
    ids.token = (
      await created('POST', '/api/v1/tokens', { name: 'body-reader', role: 'reader' })
    ).id
    ids.key = (
      await created('POST', '/api/v1/environments/development/keys', { type: 'server' })
    ).id
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  const lastChange = async () =>
    (await server.api('GET', '/api/v1/changes?since=1h&limit=1')).body.items[0]

  it.each(BODY_WRITES)('refuses an unknown field on a $label and writes nothing', async (write) => {
    const before = await lastChange()
    const res = await server.api(write.method, write.path(ids), { comment: 'x', reason: 'typo' })
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('reason')
    expect((await lastChange()).id).toBe(before.id)
  })

  it.each(BODY_WRITES)('records the body comment as the reason of a $label', async (write) => {
    const reason = `because of ${write.label}`
    const res = await server.api(write.method, write.path(ids), { comment: reason })
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
    expect(await lastChange()).toMatchObject({
      action: write.action,
      actor: 'bootstrap-admin',
      comment: reason,
    })
  })
})
