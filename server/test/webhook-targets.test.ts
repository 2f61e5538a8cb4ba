import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Database } from '../src/db/client.js'
import * as tables from '../src/db/schema/index.js'
import type { HostResolver } from '../src/domain/webhook-targets.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

/** Names under `.test` (RFC 2606) answered from a table the tests edit, as DNS would. */
const dns = new Map<string, string[]>()
const resolveHost: HostResolver = async (hostname) => {
  const addresses = dns.get(hostname)
  if (!addresses)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
    })
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
}

describeEachDb('webhook targets without an allow-list', (target) => {
  let database: Database
  let server: TestServer
  let receiver: Server
  let port: number
  const received: string[] = []

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received.push(req.url ?? '/')
      req.resume()
      res.writeHead(204).end()
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    port = (receiver.address() as AddressInfo).port
    database = await target.open()
    server = await startTestServer(database, { SWITCHYARD_WEBHOOK_POLL_MS: '50' }, { resolveHost })
    await server.api('POST', '/api/v1/flags', { key: 'checkout' })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
    await new Promise((r) => receiver?.close(r))
  })

  /** A change or two that `flag.*` webhooks are sent (one of them changes the flag). */
  const toggle = async () => {
    await server.api('POST', '/api/v1/flags/checkout/envs/production/kill', { comment: 'off' })
    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore', { comment: 'on' })
  }

  const deliveriesOf = async (id: string) =>
    (await server.api('GET', `/api/v1/webhooks/${id}/deliveries`)).body.items as Array<{
      status: string
      attempts: number
      lastStatusCode: number | null
      lastError: string | null
    }>

  it.each([
    { label: 'IPv4 loopback', url: 'http://127.0.0.1:8080/hook' },
    { label: 'loopback elsewhere in 127/8', url: 'http://127.1.2.3/hook' },
    { label: 'loopback as one number', url: 'http://2130706433/hook' },
    { label: 'the cloud metadata address', url: 'http://169.254.169.254/latest/meta-data/' },
    { label: 'RFC 1918 10/8', url: 'http://10.0.0.1/hook' },
    { label: 'RFC 1918 172.16/12', url: 'https://172.16.5.4/hook' },
    { label: 'RFC 1918 192.168/16', url: 'http://192.168.1.1/hook' },
    { label: 'CGNAT 100.64/10', url: 'http://100.64.0.1/hook' },
    { label: 'the unspecified IPv4 address', url: 'http://0.0.0.0:7400/hook' },
    { label: 'broadcast', url: 'http://255.255.255.255/hook' },
    { label: 'multicast', url: 'http://224.0.0.1/hook' },
    { label: 'reserved 240/4', url: 'http://240.0.0.1/hook' },
    { label: 'documentation 192.0.2/24', url: 'http://192.0.2.1/hook' },
    { label: 'IPv6 loopback', url: 'http://[::1]:8080/hook' },
    { label: 'the unspecified IPv6 address', url: 'http://[::]/hook' },
    { label: 'IPv6 unique-local', url: 'http://[fd12:3456::1]/hook' },
    { label: 'IPv6 link-local', url: 'http://[fe80::1]/hook' },
    { label: 'IPv6 multicast', url: 'http://[ff02::1]/hook' },
    { label: 'IPv4-mapped loopback', url: 'http://[::ffff:127.0.0.1]/hook' },
    { label: 'IPv4-mapped private', url: 'http://[::ffff:10.1.2.3]/hook' },
    { label: 'IPv4-compatible loopback', url: 'http://[::127.0.0.1]/hook' },
    { label: 'NAT64 of loopback', url: 'http://[64:ff9b::7f00:1]/hook' },
    { label: '6to4 of loopback', url: 'http://[2002:7f00:1::1]/hook' },
  ])('refuses $label at creation (400 at url)', async ({ url }) => {
    const res = await server.api('POST', '/api/v1/webhooks', { url, events: ['flag.*'] })
    expect(res.status).toBe(400)
    expect(res.body.type).toBe('urn:switchyard:problem:validation-failed')
    expect(res.body.errors).toEqual([
      { path: 'url', code: 'address_not_allowed', message: expect.any(String) },
    ])
  })

  it('refuses a name when any of its addresses is not public', async () => {
    dns.set('internal.test', ['10.1.2.3'])
    dns.set('split.test', ['93.184.215.14', '192.168.0.7'])
    dns.set('localhost.test', ['::1'])
    for (const host of ['internal.test', 'split.test', 'localhost.test']) {
      const res = await server.api('POST', '/api/v1/webhooks', {
        url: `https://${host}/hook`,
        events: ['flag.*'],
      })
      expect(res.status, host).toBe(400)
      expect(res.body.errors[0].path, host).toBe('url')
      // the answer does not say what the name resolved to
      expect(JSON.stringify(res.body), host).not.toMatch(/10\.1\.2\.3|192\.168|::1/)
    }
  })

  it('accepts a name that resolves to public addresses, or does not resolve yet', async () => {
    dns.set('public.test', ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'])
    // events no change has: nothing is ever sent to these
    for (const host of ['public.test', 'not-yet.test']) {
      const res = await server.api('POST', '/api/v1/webhooks', {
        url: `https://${host}/hook`,
        events: ['never.sent'],
      })
      expect(res.status, host).toBe(201)
      await server.api('DELETE', `/api/v1/webhooks/${res.body.id}`)
    }
  })

  it('refuses at delivery a name that has come to resolve to loopback (DNS rebinding)', async () => {
    dns.set('rebind.test', ['93.184.215.14'])
    const created = await server.api('POST', '/api/v1/webhooks', {
      url: `http://rebind.test:${port}/rebind`,
      events: ['flag.*'],
    })
    expect(created.status).toBe(201)
    dns.set('rebind.test', ['127.0.0.1'])
    await toggle()
    const [attempt] = await waitFor(async () => {
      const items = await deliveriesOf(created.body.id)
      return items[0]?.lastError ? items : null
    })
    expect(attempt).toMatchObject({
      status: 'pending',
      lastStatusCode: null,
      lastError: 'target address not allowed',
    })
    expect(received).not.toContain('/rebind')
    await server.api('DELETE', `/api/v1/webhooks/${created.body.id}`)
  })

  it('refuses at delivery a stored URL on a loopback address', async () => {
    // A webhook stored before targets were checked at creation.
    await database.db.insert(tables.webhooks).values({
      id: 'whk_stored_loopback',
      url: `http://127.0.0.1:${port}/stored`,
      events: ['flag.*'],
      secret: 'stored-secret-0123456789',
      format: 'json',
    })
    await toggle()
    const [attempt] = await waitFor(async () => {
      const items = await deliveriesOf('whk_stored_loopback')
      return items[0]?.lastError ? items : null
    })
    expect(attempt).toMatchObject({
      lastStatusCode: null,
      lastError: 'target address not allowed',
    })
    expect(received).not.toContain('/stored')
    await server.api('DELETE', '/api/v1/webhooks/whk_stored_loopback')
  })
})
