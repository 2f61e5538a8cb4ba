import type { WireFlag } from '@switchyard/core'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Database } from '../src/db/client.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

interface Socket {
  ws: WebSocket
  messages: any[]
}

function connect(server: TestServer, key: string): Promise<Socket> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/sdk/v1/stream`, {
    headers: { authorization: `Bearer ${key}` },
  })
  const socket: Socket = { ws, messages: [] }
  ws.on('message', (data) => socket.messages.push(JSON.parse(data.toString())))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket))
    ws.once('error', reject)
  })
}

/** The parts of a wire flag that come from its per-environment config. */
function configPart(flag: WireFlag) {
  const { on, offVariation, targets, rules, fallthrough, prerequisites, salt, version } = flag
  return { on, offVariation, targets, rules, fallthrough, prerequisites, salt, version }
}

describeEachDb('stream versions and the data they carry', (target) => {
  let database: Database
  let server: TestServer
  let key: string

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    key = (await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' }))
      .body.key
    await server.api('POST', '/api/v1/flags', {
      key: 'banner',
      kind: 'string',
      variations: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    })
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  async function envVersion(): Promise<number> {
    const res = await server.api('GET', '/sdk/v1/flags', undefined, { token: key })
    return res.body.version
  }

  it('labels every patch with the version whose committed state it carries, under concurrent writers', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    const start = socket.messages[0].version
    const writes = 12
    const results = await Promise.all(
      Array.from({ length: writes }, (_, i) =>
        server.api('PATCH', '/api/v1/flags/banner/envs/production', {
          on: i % 2 === 0,
          fallthrough: { variation: i % 3 },
        }),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(Array(writes).fill(200))
    await waitFor(() => socket.messages.at(-1)?.version === start + writes)
    // Strictly increasing versions (a gap would have come as a put), the last one the last write's.
    const sent = socket.messages.filter((m) => m.type === 'patch' || m.type === 'put').slice(1)
    for (let i = 1; i < sent.length; i++)
      expect(sent[i].version).toBeGreaterThan(sent[i - 1].version)
    expect(sent.at(-1).version).toBe(start + writes)
    const patches = sent.filter((m) => m.type === 'patch')
    expect(patches.length).toBeGreaterThan(0)
    // The change log holds each write's after-state and the version it was made at.
    const changes = (
      await server.api('GET', '/api/v1/changes?flag=banner&env=production&limit=100')
    ).body.items
    const afterAt = new Map(changes.map((c: any) => [c.version, c.after]))
    for (const patch of patches) {
      const after = afterAt.get(patch.version) as any
      expect(after, `no change recorded at version ${patch.version}`).toBeDefined()
      expect(configPart(patch.flag)).toEqual({
        on: after.on,
        offVariation: after.offVariation,
        targets: after.targets,
        rules: after.rules,
        fallthrough: after.fallthrough,
        prerequisites: after.prerequisites,
        salt: after.salt,
        version: after.version,
      })
    }
    socket.ws.close()
  })

  it('ignores an event for a version the stream already sent, even one carrying other data', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    const put = socket.messages[0]
    const banner = put.flags.find((f: WireFlag) => f.key === 'banner') as WireFlag
    // What a writer's own NOTIFY copy looks like when it arrives after the local delivery, here
    // also with different data: it must change nothing.
    server.bus.deliverLocally({
      type: 'env-changed',
      env: 'production',
      version: put.version,
      upserted: ['banner'],
      deleted: [],
      written: { flags: [{ ...banner, on: !banner.on }], segments: [] },
    })
    const marker = await server.api('POST', '/api/v1/flags', { key: `marker-${put.version}` })
    expect(marker.status).toBe(201)
    await waitFor(() =>
      socket.messages.some((m) => m.type === 'patch' && m.flag.key === `marker-${put.version}`),
    )
    expect(socket.messages.filter((m) => m.type !== 'ping').map((m) => m.type)).toEqual([
      'put',
      'patch',
    ])
    const polled = (await server.api('GET', '/sdk/v1/flags', undefined, { token: key })).body
    expect(polled.flags.find((f: WireFlag) => f.key === 'banner').on).toBe(banner.on)
    socket.ws.close()
  })

  it('answers a gap with a put of the whole environment, even when the event carries the data', async () => {
    const socket = await connect(server, key)
    await waitFor(() => socket.messages.length >= 1)
    const before = socket.messages[0].version
    // Two versions committed, only the second announced (the first event was lost).
    await database.db.execute(
      sql`update environments set version = version + 2 where key = 'production'`,
    )
    await database.db.execute(
      sql`update flag_configs set config = jsonb_set(config, '{on}', 'true'), version = version + 1 where flag_key = 'banner' and env_key = 'production'`,
    )
    const banner = (await server.api('GET', '/api/v1/flags/banner/envs/production')).body
    server.bus.deliverLocally({
      type: 'env-changed',
      env: 'production',
      version: before + 2,
      upserted: ['banner'],
      deleted: [],
      written: { flags: [], segments: [] },
    })
    const put = await waitFor(() => socket.messages.find((m, i) => i > 0 && m.type === 'put'))
    expect(put.version).toBe(before + 2)
    expect(put.flags.find((f: WireFlag) => f.key === 'banner')).toMatchObject({
      on: true,
      version: banner.version,
    })
    expect(socket.messages.some((m) => m.type === 'patch')).toBe(false)
    expect(await envVersion()).toBe(before + 2)
    socket.ws.close()
  })

  /**
   * Runs `hold` in a transaction on a connection of its own, starts `write` (a request) and waits
   * until it blocks on a lock, then commits; answers the write's response.
   */
  async function writeWhileHeld(
    hold: (tx: postgres.TransactionSql) => Promise<void>,
    write: () => ReturnType<TestServer['api']>,
  ) {
    const url = (database as Database & { url: string }).url
    const other = postgres(url, { max: 1, onnotice: () => {} })
    try {
      const { pending } = await other.begin(async (tx) => {
        await hold(tx)
        const pending = write()
        await waitFor(async () => {
          const [row] =
            await tx`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`
          return row!.n > 0
        })
        // not awaited here: the write waits for this transaction to commit
        return { pending }
      })
      return await pending
    } finally {
      await other.end()
    }
  }

  it.runIf(target.name === 'postgres')(
    'checks a config against the variations as committed, not as they were before the write waited',
    async () => {
      await server.api('POST', '/api/v1/flags', {
        key: 'shrinking',
        kind: 'string',
        variations: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
      })
      const res = await writeWhileHeld(
        async (tx) => {
          // As updateFlag does: hold the flag row and its configs, drop the third variation.
          await tx`select 1 from flags where key = 'shrinking' for update`
          await tx`select 1 from flag_configs where flag_key = 'shrinking' for update`
          await tx`update flags set variations = ${tx.json([{ value: 'a' }, { value: 'b' }])} where key = 'shrinking'`
        },
        () =>
          server.api('PATCH', '/api/v1/flags/shrinking/envs/production', {
            fallthrough: { variation: 2 },
          }),
      )
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(
        'fallthrough.variation',
      )
      const config = (await server.api('GET', '/api/v1/flags/shrinking/envs/production')).body
      expect(config.fallthrough).toEqual({ variation: 0 })
    },
  )

  it.runIf(target.name === 'postgres')(
    'streams the flag as committed when its variations changed while the write waited for the row lock',
    async () => {
      const socket = await connect(server, key)
      await waitFor(() => socket.messages.length >= 1)
      const res = await writeWhileHeld(
        async (tx) => {
          // Hold the config row as a metadata change does, and change the variations meanwhile.
          await tx`select 1 from flag_configs where flag_key = 'banner' for update`
          await tx`update flags set variations = ${tx.json([{ value: 'x' }, { value: 'y' }, { value: 'z' }])} where key = 'banner'`
        },
        () =>
          server.api('PATCH', '/api/v1/flags/banner/envs/production', {
            fallthrough: { variation: 2 },
          }),
      )
      expect(res.status).toBe(200)
      const patch = await waitFor(() =>
        socket.messages.find((m) => m.type === 'patch' && m.flag.fallthrough?.variation === 2),
      )
      expect(patch.flag.variations).toEqual(['x', 'y', 'z'])
      socket.ws.close()
    },
  )
})
