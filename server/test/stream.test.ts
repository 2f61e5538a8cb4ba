import { createConnection } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

interface Socket {
  ws: WebSocket
  messages: any[]
  closed: { code: number; reason: string } | null
}

function connect(server: TestServer, key: string, query = ''): Promise<Socket> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sdk/v1/stream${query}`, {
    headers: { authorization: `Bearer ${key}` },
  })
  const socket: Socket = { ws, messages: [], closed: null }
  ws.on('message', (data) => socket.messages.push(JSON.parse(data.toString())))
  ws.on('close', (code, reason) => {
    socket.closed = { code, reason: reason.toString() }
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket))
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
    )
    ws.once('error', reject)
  })
}

describeEachDb('SDK stream', (target) => {
  let database: Database
  let server: TestServer
  let key: string
  let keyId: string

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database, { SWITCHYARD_PING_INTERVAL_MS: '200' })
    const created = await server.api('POST', '/api/v1/environments/production/keys', {
      type: 'server',
    })
    key = created.body.key
    keyId = created.body.id
    await server.api('POST', '/api/v1/flags', { key: 'checkout' })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  it('refuses a bad key with 401 before the upgrade', async () => {
    await expect(connect(server, 'sy_srv_not-a-real-key')).rejects.toMatchObject({ status: 401 })
  })

  it('refuses a client key on the server stream', async () => {
    const client = (
      await server.api('POST', '/api/v1/environments/production/keys', { type: 'client' })
    ).body.key
    await expect(connect(server, client)).rejects.toMatchObject({ status: 403 })
  })

  it.each([
    {
      label: 'a bad key',
      key: 'sy_srv_not-a-real-key',
      status: 401,
      slug: 'unauthorized',
      header: ['www-authenticate', 'Bearer'],
    },
    { label: 'a client key', key: 'client', status: 403, slug: 'forbidden', header: null },
  ])(
    'answers $label with a documented problem type before the upgrade',
    async ({ key, status, slug, header }) => {
      const sdkKey =
        key === 'client'
          ? (await server.api('POST', '/api/v1/environments/production/keys', { type: 'client' }))
              .body.key
          : key
      // fetch cannot send an upgrade request: speak HTTP/1.1 on a plain socket
      const url = new URL(server.url)
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = createConnection({ host: url.hostname, port: Number(url.port) }, () => {
          socket.write(
            `GET /sdk/v1/stream HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${sdkKey}\r\nConnection: Upgrade\r\n` +
              'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          )
        })
        let text = ''
        socket.on('data', (d) => (text += d.toString()))
        socket.on('end', () => resolve(text))
        socket.on('error', reject)
      })
      const [head = '', body = ''] = raw.split('\r\n\r\n')
      expect(head.split('\r\n')[0]).toBe(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}`,
      )
      expect(JSON.parse(body)).toMatchObject({ type: `urn:switchyard:problem:${slug}`, status })
      if (header) expect(head.toLowerCase()).toContain(`${header[0]}: ${header[1]!.toLowerCase()}`)
    },
  )

  // why: the hub writes frames it encoded once per change (frames.ts); a compressed connection
  // would need them per socket, so permessage-deflate must never be agreed
  it('refuses permessage-deflate, which a client offers by default', async () => {
    const socket = await connect(server, key)
    expect(socket.ws.extensions).toBe('')
    await waitFor(() => socket.messages.length >= 1)
    expect(socket.messages[0].type).toBe('put')
    socket.ws.close()
  })

  it('sends a put on connect, then a patch per change with strictly increasing versions', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    const put = socket.messages[0]
    expect(put.type).toBe('put')
    expect(put.flags.map((f: { key: string }) => f.key)).toContain('checkout')

    await server.api('POST', '/api/v1/flags/checkout/envs/production/restore')
    await waitFor(() => socket.messages.some((m) => m.type === 'patch'))
    await server.api('POST', '/api/v1/flags/checkout/envs/production/kill')
    await waitFor(() => socket.messages.filter((m) => m.type === 'patch').length >= 2)
    const patches = socket.messages.filter((m) => m.type === 'patch')
    expect(patches[0]).toMatchObject({
      version: put.version + 1,
      flag: { key: 'checkout', on: true },
    })
    expect(patches[1]).toMatchObject({
      version: put.version + 2,
      flag: { key: 'checkout', on: false },
    })
    socket.ws.close()
  })

  it('sends changes of other environments to nobody here', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    await server.api('POST', '/api/v1/flags/checkout/envs/development/restore')
    await server.api('POST', '/api/v1/flags', { key: 'marker' })
    await waitFor(() => socket.messages.some((m) => m.type === 'patch' && m.flag.key === 'marker'))
    expect(socket.messages.some((m) => m.type === 'patch' && m.flag.key === 'checkout')).toBe(false)
    socket.ws.close()
  })

  it('streams a delete when a flag is deleted', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    await server.api('DELETE', '/api/v1/flags/marker')
    const del = await waitFor(() => socket.messages.find((m) => m.type === 'delete'))
    expect(del).toMatchObject({ key: 'marker', version: socket.messages[0].version + 1 })
    socket.ws.close()
  })

  it('answers a resync with a fresh put', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    socket.ws.send(JSON.stringify({ type: 'resync', version: 0 }))
    await waitFor(() => socket.messages.filter((m) => m.type === 'put').length >= 2)
    socket.ws.close()
  })

  it('pings with the current version', async () => {
    const socket = await connect(server, key)
    const ping = await waitFor(() => socket.messages.find((m) => m.type === 'ping'), 3000)
    expect(ping.version).toBe(socket.messages[0].version)
    socket.ws.close()
  })

  it('closes a connection that stops answering pings', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    // Stop answering pings: pause the socket so no pong goes back.
    ;(socket.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    ;(socket.ws as unknown as { pong: () => void }).pong = () => {}
    await waitFor(() => server.hub.connectionCount === 1)
    // The server gives up on the silent socket although the client never closed it.
    await waitFor(() => server.hub.connectionCount === 0, 3000)
    expect(socket.closed).toBeNull()
    socket.ws.terminate()
  })

  it('closes streams of a revoked key within a second', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    const started = Date.now()
    const res = await server.api('DELETE', `/api/v1/environments/production/keys/${keyId}`)
    expect(res.status).toBe(200)
    await waitFor(() => socket.closed, 1000)
    expect(socket.closed!.code).toBe(4403)
    expect(Date.now() - started).toBeLessThan(1000)
    await expect(connect(server, key)).rejects.toMatchObject({ status: 401 })
  })
})

describe('SDK stream shutdown', () => {
  it('closes sockets with 1001 when the server stops', async () => {
    const { pgliteTarget } = await import('./db.suite.js')
    const database = await pgliteTarget.open()
    const server = await startTestServer(database)
    const key = (
      await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
    ).body.key
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    await server.close()
    await waitFor(() => socket.closed)
    expect(socket.closed!.code).toBe(1001)
    await database.close()
  })
})

describe('metrics', () => {
  it('exports stream connections, environment versions and request counts', async () => {
    const { pgliteTarget } = await import('./db.suite.js')
    const database = await pgliteTarget.open()
    const server = await startTestServer(database)
    try {
      const key = (
        await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
      ).body.key
      const socket = await connect(server, key)
      await waitFor(() => socket.messages.length >= 1)
      await server.api('POST', '/api/v1/flags', { key: 'metered' })
      await waitFor(() => socket.messages.some((m) => m.type === 'patch'))
      const text = await (await fetch(`${server.url}/metrics`)).text()
      expect(text).toMatch(/^switchyard_stream_connections 1$/m)
      expect(text).toMatch(
        new RegExp(
          `^switchyard_environment_version\\{env="production"\\} ${socket.messages.at(-1).version}$`,
          'm',
        ),
      )
      expect(text).toMatch(/^switchyard_stream_messages_total\{type="patch"\} 1$/m)
      expect(text).toMatch(
        /switchyard_http_requests_total\{method="POST",route="\/api\/v1\/flags",status="201"\} 1/,
      )
      socket.ws.close()
    } finally {
      await server.close()
      await database.close()
    }
  })
})

describe('SDK stream heartbeat', () => {
  it('pings one slice of the sockets per tick: each socket once per interval, a ping frame with the JSON ping', async () => {
    const { pgliteTarget } = await import('./db.suite.js')
    const database = await pgliteTarget.open()
    // Only the hub's interval timer is fake: sockets and waitFor run in real time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const server = await startTestServer(database, {
      SWITCHYARD_PING_INTERVAL_MS: '1000',
      SWITCHYARD_SCHEDULER_INTERVAL_MS: '0',
      SWITCHYARD_WEBHOOK_POLL_MS: '3600000',
    })
    const sockets: Array<Socket & { pings: number; reads: number[] }> = []
    try {
      const key = (
        await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
      ).body.key
      for (let i = 0; i < 20; i++) {
        const socket = Object.assign(await connect(server, key), {
          pings: 0,
          reads: [] as number[],
        })
        socket.ws.on('ping', () => socket.pings++)
        sockets.push(socket)
      }
      await waitFor(() => sockets.every((s) => s.messages.length >= 1))
      const jsonPings = (s: Socket) => s.messages.filter((m) => m.type === 'ping').length
      // 1000 ms in ticks of 100 ms: ten slices of two sockets.
      for (let tick = 1; tick <= 10; tick++) {
        vi.advanceTimersByTime(100)
        await waitFor(
          () => sockets.filter((s) => s.pings === 1 && jsonPings(s) === 1).length === 2 * tick,
        )
      }
      expect(sockets.map((s) => [s.pings, jsonPings(s)])).toEqual(sockets.map(() => [1, 1]))
      // The server has read each socket's pong once it answers a resync sent after it.
      const answered = async (list: Socket[]) => {
        const puts = (s: Socket) => s.messages.filter((m) => m.type === 'put').length
        const before = list.map(puts)
        for (const s of list) s.ws.send(JSON.stringify({ type: 'resync' }))
        await waitFor(() => list.every((s, i) => puts(s) > before[i]!))
      }
      await answered(sockets)
      vi.advanceTimersByTime(1000)
      await waitFor(() => sockets.every((s) => s.pings === 2 && jsonPings(s) === 2))
      expect(server.hub.connectionCount).toBe(20)

      // A socket that stops answering is closed one interval after the ping it ignored.
      const [silent, ...others] = sockets
      ;(silent!.ws as unknown as { _socket: { pause(): void } })._socket.pause()
      await answered(others)
      vi.advanceTimersByTime(1000)
      await waitFor(() => others.every((s) => s.pings === 3))
      await answered(others)
      vi.advanceTimersByTime(1000)
      await waitFor(() => server.hub.connectionCount === 19)
      await waitFor(() => others.every((s) => s.pings === 4))
      expect(others.every((s) => s.closed === null)).toBe(true)
    } finally {
      for (const s of sockets) s.ws.terminate()
      vi.useRealTimers()
      await server.close()
      await database.close()
    }
  })
})

describe('SDK stream back-pressure', () => {
  const paused = (socket: Socket) =>
    (socket.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
  /** ~256 KB of targets per write, different each time, so every write streams a large patch. */
  const bigTargets = (i: number) => ({
    targets: [
      {
        variation: 0,
        values: Array.from({ length: 256 }, (_, j) => `${i}-${j}-${'x'.repeat(990)}`),
      },
    ],
  })
  const slowCloses = async (server: TestServer) => {
    const text = await (await fetch(`${server.url}/metrics`)).text()
    return Number(/^switchyard_stream_slow_consumer_closes_total (\d+)$/m.exec(text)?.[1] ?? 0)
  }
  /** Writes large patches until the server has closed one slow socket (at most 200 writes). */
  const storm = async (server: TestServer) => {
    for (let i = 0; i < 200; i++) {
      const res = await server.api('PATCH', '/api/v1/flags/storm/envs/production', bigTargets(i))
      expect(res.status).toBe(200)
      if ((await slowCloses(server)) > 0) return i + 1
    }
    throw new Error('no slow socket was closed after 200 writes')
  }

  it('closes a socket that stops reading with 4429, counts it, and keeps serving the others', async () => {
    const { pgliteTarget } = await import('./db.suite.js')
    const database = await pgliteTarget.open()
    const server = await startTestServer(database, {
      SWITCHYARD_STREAM_MAX_BUFFERED_BYTES: String(1024 * 1024),
      // The heartbeat (and the close's grace period) stays out of the way of this test.
      SWITCHYARD_PING_INTERVAL_MS: '600000',
    })
    const sockets: Socket[] = []
    try {
      const key = (
        await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
      ).body.key
      await server.api('POST', '/api/v1/flags', { key: 'storm' })
      const healthy = await connect(server, key)
      const slow = await connect(server, key)
      sockets.push(healthy, slow)
      await waitFor(() => healthy.messages.length >= 1 && slow.messages.length >= 1)
      paused(slow).pause()

      const writes = await storm(server)
      expect(await slowCloses(server)).toBe(1)
      // The reader got every patch and stays connected.
      const last = await server.api('PATCH', '/api/v1/flags/storm/envs/production', { on: true })
      const version = healthy.messages[0].version + writes + 1
      await waitFor(() => healthy.messages.some((m) => m.type === 'patch' && m.version === version))
      expect(healthy.messages.filter((m) => m.type === 'patch')).toHaveLength(writes + 1)
      expect(last.body.on).toBe(true)
      expect(healthy.closed).toBeNull()

      // Once it reads again, the stuck client finds the documented close code behind its backlog.
      paused(slow).resume()
      await waitFor(() => slow.closed, 10_000)
      expect(slow.closed).toEqual({ code: 4429, reason: 'send buffer full' })
      expect(slow.messages.filter((m) => m.type === 'patch').length).toBeLessThan(writes)
      await waitFor(() => server.hub.connectionCount === 1)
      expect(healthy.closed).toBeNull()
    } finally {
      for (const s of sockets) s.ws.terminate()
      await server.close()
      await database.close()
    }
  })

  it('terminates a slow socket that does not take its close frame within one ping interval', async () => {
    const { pgliteTarget } = await import('./db.suite.js')
    const database = await pgliteTarget.open()
    // The heartbeat's timer is fake and never advanced, so only the close's grace period runs.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const server = await startTestServer(database, {
      SWITCHYARD_STREAM_MAX_BUFFERED_BYTES: String(1024 * 1024),
      SWITCHYARD_PING_INTERVAL_MS: '500',
      SWITCHYARD_SCHEDULER_INTERVAL_MS: '0',
      SWITCHYARD_WEBHOOK_POLL_MS: '3600000',
    })
    let slow: Socket | undefined
    try {
      const key = (
        await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
      ).body.key
      await server.api('POST', '/api/v1/flags', { key: 'storm' })
      slow = await connect(server, key)
      await waitFor(() => slow!.messages.length >= 1)
      paused(slow).pause()
      await storm(server)
      await waitFor(() => server.hub.connectionCount === 0, 10_000)
      // Dropped by the server while the client, still not reading, saw no close at all.
      expect(slow.closed).toBeNull()
      expect(await slowCloses(server)).toBe(1)
    } finally {
      slow?.ws.terminate()
      vi.useRealTimers()
      await server.close()
      await database.close()
    }
  })
})
