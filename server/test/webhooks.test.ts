import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import type { HostResolver } from '../src/domain/webhook-targets.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

interface Received {
  path: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Names under `.test` (RFC 2606) answered from a table the tests edit, as DNS would. */
const dns = new Map<string, string[]>()
const resolveHost: HostResolver = async (hostname) => {
  const addresses = dns.get(hostname)
  if (!addresses)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
}

describeEachDb('outbound webhooks', (target) => {
  let database: Database
  let server: TestServer
  let receiver: Server
  let receiverUrl: string
  const received: Received[] = []
  /** Paths answered with 500 this many more times. */
  const failures = new Map<string, number>()

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        const path = req.url ?? '/'
        received.push({ path, headers: req.headers, body })
        const left = failures.get(path) ?? 0
        if (left > 0) failures.set(path, left - 1)
        if (path === '/moved') res.writeHead(307, { location: '/moved-here' }).end()
        else res.writeHead(left > 0 ? 500 : 204).end()
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
    database = await target.open()
    // The receiver is on loopback, which webhooks may reach only when the operator allows it.
    server = await startTestServer(
      database,
      { SWITCHYARD_WEBHOOK_POLL_MS: '50', SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' },
      { resolveHost },
    )
    await server.api('POST', '/api/v1/flags', { key: 'checkout' })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
    await new Promise((r) => receiver?.close(r))
  })

  const at = (path: string) => received.filter((r) => r.path === path)

  it('delivers a change as signed JSON and logs the delivery', async () => {
    const created = await server.api('POST', '/api/v1/webhooks', {
      url: `${receiverUrl}/all`,
      events: ['flag.*'],
      secret: 'webhook-secret-0123456789',
    })
    expect(created.status).toBe(201)
    expect(created.body.secret).toBe('webhook-secret-0123456789')
    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore', { comment: 'go' })
    const [delivery] = await waitFor(() => (at('/all').length ? at('/all') : null))
    const body = JSON.parse(delivery!.body)
    expect(body).toMatchObject({
      type: 'change',
      change: {
        action: 'flag.restore',
        flag: 'checkout',
        env: 'production',
        comment: 'go',
        after: { on: true },
      },
    })
    const expected = `sha256=${createHmac('sha256', 'webhook-secret-0123456789').update(delivery!.body).digest('hex')}`
    expect(delivery!.headers['x-switchyard-signature']).toBe(expected)
    const log = await waitFor(async () => {
      const res = await server.api('GET', `/api/v1/webhooks/${created.body.id}/deliveries`)
      return res.body.items[0]?.status === 'delivered' ? res.body.items : null
    })
    expect(log[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 204,
      changeId: body.change.id,
    })
    expect(JSON.stringify((await server.api('GET', '/api/v1/webhooks')).body)).not.toContain(
      'webhook-secret-0123456789',
    )
  })

  it('delivers only the events asked for, in the Slack format when asked', async () => {
    await server.api('POST', '/api/v1/webhooks', {
      url: `${receiverUrl}/slack`,
      events: ['flag.kill'],
      format: 'slack',
    })
    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore', { comment: 'no-op' })
    await server.api('PATCH', '/api/v1/flags/checkout/envs/production', {
      fallthrough: { variation: 1 },
    })
    await server.api('POST', '/api/v1/flags/checkout/envs/production/kill', {
      comment: 'errors spiking',
    })
    const [message] = await waitFor(() => (at('/slack').length ? at('/slack') : null))
    const text = JSON.parse(message!.body).text as string
    expect(text).toContain('flag.kill')
    expect(text).toContain('`checkout`')
    expect(text).toContain('errors spiking')
    await server.dispatcher.idle()
    expect(at('/slack')).toHaveLength(1)
  })

  it('retries a failed delivery with backoff until it succeeds', async () => {
    failures.set('/flaky', 1)
    const hook = await server.api('POST', '/api/v1/webhooks', {
      url: `${receiverUrl}/flaky`,
      events: ['*'],
    })
    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore')
    await waitFor(() => at('/flaky').length >= 2, 10_000)
    // The first delivery (the webhook's own creation, which matches '*') failed once.
    const retried = await waitFor(async () => {
      const res = await server.api('GET', `/api/v1/webhooks/${hook.body.id}/deliveries`)
      return res.body.items.find(
        (d: { attempts: number; status: string }) => d.attempts === 2 && d.status === 'delivered',
      )
    }, 10_000)
    expect(retried).toMatchObject({ lastStatusCode: 204, lastError: null })
  }, 15_000)

  const deliveriesOf = async (id: string) =>
    (await server.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.items as Array<{
      status: string
      attempts: number
      lastStatusCode: number | null
      lastError: string | null
    }>

  it('delivers to a name that resolves to an allowed loopback address', async () => {
    dns.set('receiver.test', ['127.0.0.1'])
    const port = new URL(receiverUrl).port
    const hook = await server.api('POST', '/api/v1/webhooks', {
      url: `http://receiver.test:${port}/by-name`,
      events: ['flag.kill'],
    })
    expect(hook.status).toBe(201)
    await server.api('POST', '/api/v1/flags/checkout/envs/production/kill', { comment: 'by name' })
    const [delivery] = await waitFor(() => (at('/by-name').length ? at('/by-name') : null))
    expect(delivery!.headers.host).toBe(`receiver.test:${port}`)
    await server.api('DELETE', `/api/v1/webhooks/${hook.body.id}`)
  })

  it('refuses at delivery a name when any of its addresses is not allowed', async () => {
    dns.set('mixed.test', ['127.0.0.1'])
    const port = new URL(receiverUrl).port
    const hook = await server.api('POST', '/api/v1/webhooks', {
      url: `http://mixed.test:${port}/mixed`,
      events: ['flag.restore'],
    })
    expect(hook.status).toBe(201)
    // loopback outside the allowed 127.0.0.1/32 comes along with the allowed address
    dns.set('mixed.test', ['127.0.0.1', '127.0.0.2'])
    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore', { comment: 'mixed' })
    const [attempt] = await waitFor(async () => {
      const items = await deliveriesOf(hook.body.id)
      return items[0]?.lastError ? items : null
    })
    expect(attempt).toMatchObject({ lastStatusCode: null, lastError: 'target address not allowed' })
    expect(at('/mixed')).toEqual([])
    await server.api('DELETE', `/api/v1/webhooks/${hook.body.id}`)
  })

  it('does not follow a redirect: a 3xx fails the attempt with its status', async () => {
    const hook = await server.api('POST', '/api/v1/webhooks', {
      url: `${receiverUrl}/moved`,
      events: ['flag.restore'],
    })
    await server.api('POST', '/api/v1/flags/checkout/envs/production/kill', { comment: 'k' })
    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore', { comment: 'r' })
    const [attempt] = await waitFor(async () => {
      const items = await deliveriesOf(hook.body.id)
      return items[0]?.lastError ? items : null
    })
    expect(attempt).toMatchObject({ status: 'pending', lastStatusCode: 307, lastError: 'HTTP 307' })
    expect(at('/moved')).toHaveLength(1)
    expect(at('/moved-here')).toEqual([])
    await server.api('DELETE', `/api/v1/webhooks/${hook.body.id}`)
  })

  it('is for admins only and refuses bad input', async () => {
    const writer = (
      await server.api('POST', '/api/v1/tokens', { name: 'hook-writer', role: 'writer' })
    ).body.token
    expect((await server.api('GET', '/api/v1/webhooks', undefined, { token: writer })).status).toBe(
      403,
    )
    const bad = await server.api('POST', '/api/v1/webhooks', {
      url: 'ftp://example.com',
      events: ['nope!'],
    })
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['events.0', 'url'])
  })
})
