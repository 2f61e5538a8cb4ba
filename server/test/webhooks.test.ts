import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

interface Received {
  path: string
  headers: Record<string, string | string[] | undefined>
  body: string
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
        res.writeHead(left > 0 ? 500 : 204).end()
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
    database = await target.open()
    server = await startTestServer(database, { SWITCHYARD_WEBHOOK_POLL_MS: '50' })
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
