import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { init, type SwitchyardClient } from '@switchyard/sdk-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPostgresDatabase } from '../server/test/db.suite.js'
import { waitFor } from '../server/test/helpers.js'
import { api, startServerProcess, type ServerProcess } from './process.js'

const ADMIN = 'sy_tok_e2e-admin-token-0123456789'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

interface Target {
  name: string
  env: () => Promise<Record<string, string>>
}

const dirs: string[] = []
const targets: Target[] = [
  {
    name: 'pglite',
    env: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sy-e2e-'))
      dirs.push(dir)
      return { SWITCHYARD_DATA_DIR: dir }
    },
  },
]
// Postgres runs whenever it is reachable (always in CI, where global setup requires it).
if (inject('postgres')) {
  targets.push({
    name: 'postgres',
    env: async () => ({ DATABASE_URL: await createPostgresDatabase() }),
  })
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe.each(targets)('kill switch end to end [$name]', (target) => {
  let env: Record<string, string>
  let server: ServerProcess
  let call: ReturnType<typeof api>
  let client: SwitchyardClient
  let keyId: string
  const changes: Array<{ key: string; version: number }> = []
  const errors: unknown[] = []

  beforeAll(async () => {
    env = {
      ...(await target.env()),
      SWITCHYARD_ADMIN_TOKEN: ADMIN,
      SWITCHYARD_PING_INTERVAL_MS: '1000',
    }
    server = await startServerProcess(env)
    call = api(server.url, ADMIN)
    expect((await call('POST', '/api/v1/flags', { key: 'new-checkout' })).status).toBe(201)
    expect(
      (
        await call('POST', '/api/v1/flags/new-checkout/envs/production/restore', {
          comment: 'launch',
        })
      ).status,
    ).toBe(200)
    const key = await call('POST', '/api/v1/environments/production/keys', { type: 'server' })
    keyId = key.body.id
    client = init({
      sdkKey: key.body.key,
      baseUrl: server.url,
      logger: quiet,
      initialBackoffMs: 100,
      maxBackoffMs: 500,
    })
    client.on('change', (event) => changes.push(event))
    client.on('error', (error) => errors.push(error))
    await client.waitForReady({ timeoutMs: 10_000 })
  }, 60_000)

  afterAll(async () => {
    await client?.close()
    await server?.stop()
  })

  it('serves the flag locally once ready', () => {
    expect(client.variation('new-checkout', { key: 'user-1', country: 'DE' }, false)).toBe(true)
    expect(client.variationDetail('new-checkout', { key: 'user-1' }, false).reason.kind).toBe(
      'FALLTHROUGH',
    )
    expect(client.variation('no-such-flag', { key: 'user-1' }, 'fallback')).toBe('fallback')
  })

  it('sees a kill switch flipped through the REST API', async () => {
    const started = performance.now()
    const res = await call('POST', '/api/v1/flags/new-checkout/envs/production/kill', {
      comment: 'errors spiking',
    })
    expect(res.body.changed).toBe(true)
    await waitFor(() => changes.some((c) => c.key === 'new-checkout'), 5000, 1)
    const ms = performance.now() - started
    expect(client.variation('new-checkout', { key: 'user-1' }, true)).toBe(false)
    expect(client.variationDetail('new-checkout', { key: 'user-1' }, true).reason.kind).toBe('OFF')
    expect(ms).toBeLessThan(5000)
  })

  it('keeps serving through a server restart and reconnects by itself', async () => {
    const stopped = await server.stop('SIGTERM')
    expect(stopped.code).toBe(0)
    expect(stopped.ms).toBeLessThan(10_000)
    // Down: the SDK serves the last flags it had.
    expect(client.variation('new-checkout', { key: 'user-1' }, true)).toBe(false)
    server = await startServerProcess({ ...env, PORT: new URL(server.url).port })
    call = api(server.url, ADMIN)
    await waitFor(() => client.connectionState === 'streaming', 15_000, 20)
    changes.length = 0
    await call('POST', '/api/v1/flags/new-checkout/envs/production/restore', { comment: 'fixed' })
    await waitFor(
      () => client.variation('new-checkout', { key: 'user-1' }, false) === true,
      5000,
      5,
    )
  }, 40_000)

  it('closes the stream when its key is revoked, and keeps the last flags', async () => {
    errors.length = 0
    const res = await call('DELETE', `/api/v1/environments/production/keys/${keyId}`)
    expect(res.status).toBe(200)
    await waitFor(() => errors.length > 0 && client.connectionState !== 'streaming', 2000, 5)
    expect(String(errors[0])).toMatch(/revoked|4403/i)
    expect(client.variation('new-checkout', { key: 'user-1' }, false)).toBe(true)
  })

  it('answers bad input with a 4xx naming the field and leaves the change log as it was', async () => {
    const count = async () => (await call('GET', '/api/v1/changes?limit=500')).body.items.length
    const before = await count()
    const cases: Array<[string, string, unknown, number, string | null]> = [
      ['POST', '/api/v1/flags', '{"key":', 400, null],
      ['POST', '/api/v1/flags', { key: 'has space' }, 400, 'key'],
      ['POST', '/api/v1/flags', { key: 'ok', surprise: true }, 400, 'surprise'],
      ['PATCH', '/api/v1/flags/new-checkout/envs/production', { on: 'yes' }, 400, 'on'],
      [
        'PATCH',
        '/api/v1/flags/new-checkout/envs/production',
        { offVariation: 9 },
        400,
        'offVariation',
      ],
      ['POST', '/api/v1/flags/missing/envs/production/kill', {}, 404, null],
      ['POST', '/api/v1/flags/new-checkout/envs/mars/kill', {}, 404, null],
    ]
    for (const [method, path, body, status, field] of cases) {
      const res = await call(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(status)
      if (field) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field)
    }
    expect(await count()).toBe(before)
  })

  it.runIf(target.name === 'pglite')(
    'refuses a second process on the same data directory',
    async () => {
      const second = await startServerProcess({ ...env }, { waitReady: false })
      const code = await Promise.race([
        second.exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000)),
      ])
      if (code === 'timeout') second.child.kill('SIGKILL')
      expect(code).not.toBe(0)
      expect(code).not.toBe('timeout')
      expect(second.output()).toMatch(/in use by another Switchyard process/)
    },
    20_000,
  )
})
