import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import postgres from 'postgres'
import WebSocket from 'ws'
import { openPostgres, type Database } from '../src/db/client.js'
import { createPostgresDatabase } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

describe.runIf(inject('postgres'))('two replicas on one Postgres', () => {
  let url: string
  const databases: Database[] = []
  let a: TestServer
  let b: TestServer
  let key: string
  const messages: any[] = []
  let ws: WebSocket

  beforeAll(async () => {
    url = await createPostgresDatabase()
    for (let i = 0; i < 2; i++) databases.push(openPostgres(url))
    a = await startTestServer(databases[0]!)
    b = await startTestServer(databases[1]!)
    key = (await a.api('POST', '/api/v1/environments/production/keys', { type: 'server' })).body.key
    await a.api('POST', '/api/v1/flags', { key: 'checkout' })
    ws = new WebSocket(`${b.url.replace('http', 'ws')}/sdk/v1/stream`, {
      headers: { authorization: `Bearer ${key}` },
    })
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())))
    await waitFor(() => messages.length >= 1)
  })

  afterAll(async () => {
    ws?.close()
    await a?.close()
    await b?.close()
    for (const d of databases) await d.close()
  })

  it('delivers a change written through A to an SDK connected to B, in version order', async () => {
    const start = messages[0].version
    await a.api('POST', '/api/v1/flags/checkout/envs/production/restore')
    await a.api('POST', '/api/v1/flags/checkout/envs/production/kill')
    await b.api('POST', '/api/v1/flags/checkout/envs/production/restore')
    await waitFor(() => messages.filter((m) => m.type === 'patch').length >= 3)
    const patches = messages.filter((m) => m.type === 'patch')
    expect(patches.map((m) => m.version)).toEqual([start + 1, start + 2, start + 3])
    expect(patches.map((m) => m.flag.on)).toEqual([true, false, true])
  })

  it('closes a key revoked through A on B', async () => {
    const other = await a.api('POST', '/api/v1/environments/production/keys', { type: 'server' })
    const socket = new WebSocket(`${b.url.replace('http', 'ws')}/sdk/v1/stream`, {
      headers: { authorization: `Bearer ${other.body.key}` },
    })
    let closed: number | null = null
    socket.on('close', (code) => (closed = code))
    await new Promise((r) => socket.once('message', r))
    await a.api('DELETE', `/api/v1/environments/production/keys/${other.body.id}`)
    await waitFor(() => closed, 2000)
    expect(closed).toBe(4403)
  })

  it('resynchronises B after its listening connection drops, so no change is missed', async () => {
    const admin = postgres(url, { max: 1, onnotice: () => {} })
    try {
      // Cut every replica's LISTEN connection, then write while they are deaf.
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'switchyard-bus' and datname = current_database()`
      await a.api('POST', '/api/v1/flags/checkout/envs/production/kill', { comment: 'while deaf' })
      const current = (await a.api('GET', '/api/v1/environments/production')).body.version
      await waitFor(
        () =>
          messages.some((m) => (m.type === 'put' || m.type === 'patch') && m.version === current),
        10_000,
      )
      const last = messages.at(-1)
      const flag =
        last.type === 'put'
          ? last.flags.find((f: { key: string }) => f.key === 'checkout')
          : last.flag
      expect(flag.on).toBe(false)
      await waitFor(
        async () => (await b.api('GET', '/readyz', undefined, { token: null })).status === 200,
        10_000,
      )
    } finally {
      await admin.end()
    }
  }, 20_000)
})
