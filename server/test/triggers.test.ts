import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, type TestServer } from './helpers.js'

describeEachDb('triggers', (target) => {
  let database: Database
  let server: TestServer

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    for (const key of ['checkout', 'search', 'payments']) {
      await server.api('POST', '/api/v1/flags', { key, safetyValve: key === 'search' })
      await server.api('POST', `/api/v1/flags/${key}/envs/production/restore`)
    }
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  const create = async (body: Record<string, unknown>) => {
    const res = await server.api('POST', '/api/v1/triggers', {
      name: 'errors',
      flag: 'checkout',
      env: 'production',
      action: 'kill',
      ...body,
    })
    expect(res.status).toBe(201)
    return res.body as { id: string; url: string; token: string }
  }
  const hook = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const isOn = async (flag: string) =>
    (await server.api('GET', `/api/v1/flags/${flag}/envs/production`)).body.on as boolean
  const alertmanager = (status: 'firing' | 'resolved', fingerprint = 'fp1') => ({
    version: '4',
    status,
    receiver: 'switchyard',
    alerts: [
      {
        status,
        labels: { alertname: 'CheckoutErrors' },
        annotations: { summary: 'checkout 5xx' },
        fingerprint,
      },
    ],
  })

  it('returns a secret URL once and never lists it', async () => {
    const trigger = await create({ format: 'generic' })
    expect(trigger.url).toBe(`${server.url}/hooks/triggers/${trigger.token}`)
    expect(trigger.token).toMatch(/^sy_trg_[A-Za-z0-9_-]{43}$/)
    const list = await server.api('GET', '/api/v1/triggers?flag=checkout')
    expect(JSON.stringify(list.body)).not.toContain(trigger.token)
    expect(list.body.items[0]).toMatchObject({ id: trigger.id, action: 'kill', enabled: true })
  })

  it('kills the flag on firing, once per alert, and records the trigger and the alert', async () => {
    const trigger = await create({ format: 'alertmanager', name: 'am-checkout' })
    const first = await hook(trigger.url, alertmanager('firing'))
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ acted: 'kill', changed: true })
    expect(await isOn('checkout')).toBe(false)
    const change = (await server.api('GET', '/api/v1/changes?flag=checkout&limit=1')).body.items[0]
    expect(change).toMatchObject({ actor: 'trigger:am-checkout', action: 'trigger.kill' })
    expect(change.comment).toContain('CheckoutErrors: checkout 5xx [fp1]')

    const again = await hook(trigger.url, alertmanager('firing'))
    expect(await again.json()).toMatchObject({ acted: null, changed: false })
    // Resolved without onResolved: the flag stays off (the operator's explicit choice).
    expect(await (await hook(trigger.url, alertmanager('resolved'))).json()).toMatchObject({
      acted: null,
    })
    expect(await isOn('checkout')).toBe(false)
    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore')
  })

  it('restores on resolved when asked, only once every alert has resolved', async () => {
    const trigger = await create({
      format: 'alertmanager',
      onResolved: 'restore',
      name: 'am-restore',
    })
    await hook(trigger.url, alertmanager('firing', 'a'))
    await hook(trigger.url, alertmanager('firing', 'b'))
    expect(await isOn('checkout')).toBe(false)
    expect(await (await hook(trigger.url, alertmanager('resolved', 'a'))).json()).toMatchObject({
      acted: null,
    })
    expect(await isOn('checkout')).toBe(false)
    expect(await (await hook(trigger.url, alertmanager('resolved', 'b'))).json()).toMatchObject({
      acted: 'undo',
      changed: true,
    })
    expect(await isOn('checkout')).toBe(true)
    const change = (await server.api('GET', '/api/v1/changes?flag=checkout&limit=1')).body.items[0]
    expect(change).toMatchObject({ actor: 'trigger:am-restore', action: 'trigger.resolve' })
  })

  it('throttles a safety valve', async () => {
    const trigger = await create({
      flag: 'search',
      action: 'throttle',
      percent: 10,
      format: 'datadog',
      name: 'dd-search',
    })
    const res = await hook(trigger.url, {
      transition: 'Triggered',
      alert_id: '42',
      title: 'search p99',
    })
    expect(res.status).toBe(200)
    const valves = await server.api('GET', '/api/v1/envs/production/valves')
    expect(valves.body.items[0]).toMatchObject({ flag: 'search', open: 10 })
  })

  it('answers unknown and disabled tokens with the same 404', async () => {
    const trigger = await create({ format: 'generic', flag: 'payments', name: 'to-disable' })
    expect((await server.api('POST', `/api/v1/triggers/${trigger.id}/disable`)).body.enabled).toBe(
      false,
    )
    const disabled = await hook(trigger.url, {})
    const unknown = await hook(`${server.url}/hooks/triggers/sy_trg_${'x'.repeat(43)}`, {})
    expect(disabled.status).toBe(404)
    expect(unknown.status).toBe(404)
    const strip = async (r: Response) => {
      const { instance: _instance, ...rest } = (await r.json()) as Record<string, unknown>
      return rest
    }
    expect(await strip(disabled)).toEqual(await strip(unknown))
    expect(await isOn('payments')).toBe(true)
  })

  it('answers a token no trigger could have (too long, NUL) with the same 404 as an unknown one', async () => {
    const strip = async (r: Response) => {
      const { instance: _instance, ...rest } = (await r.json()) as Record<string, unknown>
      return { status: r.status, ...rest }
    }
    const unknown = await strip(
      await hook(`${server.url}/hooks/triggers/sy_trg_${'x'.repeat(43)}`, {}),
    )
    expect(unknown.status).toBe(404)
    expect(
      await strip(await hook(`${server.url}/hooks/triggers/sy_trg_${'x'.repeat(300)}`, {})),
    ).toEqual(unknown)
    expect(await strip(await hook(`${server.url}/hooks/triggers/sy_trg_%00`, {}))).toEqual(unknown)
  })

  it('rotates the URL: the old one stops working at once', async () => {
    const trigger = await create({
      format: 'generic',
      flag: 'payments',
      name: 'to-rotate',
      action: 'restore',
    })
    const rotated = await server.api('POST', `/api/v1/triggers/${trigger.id}/rotate`)
    expect(rotated.body.url).not.toBe(trigger.url)
    expect((await hook(trigger.url, {})).status).toBe(404)
    expect((await hook(rotated.body.url, {})).status).toBe(200)
  })

  it('verifies the HMAC signature when a secret is set', async () => {
    const secret = 'grafana-signing-secret-123'
    const trigger = await create({ format: 'grafana', flag: 'payments', secret, name: 'signed' })
    const body = JSON.stringify({
      alerts: [{ status: 'firing', labels: { alertname: 'X' }, fingerprint: 'g' }],
    })
    expect((await hook(trigger.url, body)).status).toBe(401)
    expect(
      (await hook(trigger.url, body, { 'x-grafana-alerting-signature': 'f'.repeat(64) })).status,
    ).toBe(401)
    expect(await isOn('payments')).toBe(true)
    const signature = createHmac('sha256', secret).update(body).digest('hex')
    expect(
      (await hook(trigger.url, body, { 'x-grafana-alerting-signature': signature })).status,
    ).toBe(200)
    expect(await isOn('payments')).toBe(false)
    await server.api('POST', '/api/v1/flags/payments/envs/production/restore')
  })

  it.each([
    { format: 'grafana', header: 'x-grafana-alerting-signature', algorithm: 'hmac-sha256' },
    { format: 'generic', header: 'x-switchyard-signature', algorithm: 'hmac-sha256' },
    { format: 'honeycomb', header: 'x-honeycomb-webhook-token', algorithm: 'shared-secret' },
  ])(
    'challenges a $format delivery without a valid signature with WWW-Authenticate: Signature',
    async ({ format, header, algorithm }) => {
      const trigger = await create({
        format,
        flag: 'payments',
        secret: 'a-shared-secret-of-some-length',
        name: `challenge-${format}`,
      })
      for (const headers of [{}, { [header]: 'f'.repeat(64) }]) {
        const res = await hook(trigger.url, {}, headers)
        expect(res.status).toBe(401)
        expect(((await res.json()) as { type: string }).type).toBe(
          'urn:switchyard:problem:invalid-signature',
        )
        expect(res.headers.get('www-authenticate')).toBe(
          `Signature realm="switchyard-triggers", header="${header}", algorithm="${algorithm}"`,
        )
      }
      expect(await isOn('payments')).toBe(true)
    },
  )

  it('refuses a payload it cannot read with 400 and changes nothing', async () => {
    const trigger = await create({ format: 'pagerduty', flag: 'payments', name: 'pd' })
    const res = await hook(trigger.url, { hello: 'world' })
    expect(res.status).toBe(400)
    expect(await isOn('payments')).toBe(true)
  })

  it('refuses a body that is not JSON with invalid-json and changes nothing', async () => {
    const trigger = await create({ format: 'generic', flag: 'payments', name: 'not-json' })
    const res = await hook(trigger.url, '{"status": ')
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(((await res.json()) as { type: string }).type).toBe(
      'urn:switchyard:problem:invalid-json',
    )
    expect(await isOn('payments')).toBe(true)
  })

  it('rate-limits a trigger that is called too often, with a status tools retry', async () => {
    const trigger = await create({
      format: 'generic',
      flag: 'payments',
      action: 'restore',
      name: 'noisy',
    })
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) statuses.push((await hook(trigger.url, {})).status)
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true)
    expect(statuses.slice(30)).toContain(503)
  })

  it.each([
    { label: 'a throttle without percent', body: { action: 'throttle' }, field: 'percent' },
    { label: 'an unknown format', body: { format: 'nagios' }, field: 'format' },
    { label: 'an unknown flag', body: { flag: 'ghost' }, field: 'flag' },
    { label: 'an unknown environment', body: { env: 'mars' }, field: 'env' },
    { label: 'a short secret', body: { secret: 'short' }, field: 'secret' },
  ])('refuses $label', async ({ body, field }) => {
    const res = await server.api('POST', '/api/v1/triggers', {
      name: 'bad',
      flag: 'checkout',
      env: 'production',
      action: 'kill',
      ...body,
    })
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field)
  })
})
