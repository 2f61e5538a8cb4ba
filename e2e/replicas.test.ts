import { init, type SwitchyardClient } from '@switchyard/sdk-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPostgresDatabase } from '../server/test/db.suite.js'
import { waitFor } from '../server/test/helpers.js'
import { api, startServerProcess, type ServerProcess } from './process.js'

const ADMIN = 'sy_tok_e2e-admin-token-0123456789'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

describe.runIf(inject('postgres'))('two server processes on one Postgres', () => {
  let env: Record<string, string>
  let a: ServerProcess
  let b: ServerProcess
  let sdkKey: string
  const clients: SwitchyardClient[] = []

  beforeAll(async () => {
    env = {
      DATABASE_URL: await createPostgresDatabase(),
      SWITCHYARD_ADMIN_TOKEN: ADMIN,
      SWITCHYARD_SCHEDULER_INTERVAL_MS: '100',
    }
    ;[a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)])
    const call = api(a.url, ADMIN)
    await call('POST', '/api/v1/flags', { key: 'checkout' })
    sdkKey = (await call('POST', '/api/v1/environments/production/keys', { type: 'server' })).body
      .key
  }, 60_000)

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await a?.stop()
    await b?.stop()
  })

  it('delivers a change written through A to an SDK connected to B', async () => {
    const client = init({ sdkKey, baseUrl: b.url, logger: quiet })
    clients.push(client)
    await client.waitForReady({ timeoutMs: 10_000 })
    expect(client.variation('checkout', { key: 'u' }, true)).toBe(false)
    await api(a.url, ADMIN)('POST', '/api/v1/flags/checkout/envs/production/restore')
    await waitFor(() => client.variation('checkout', { key: 'u' }, false) === true, 5000, 5)
  })

  it('loses no rollout step and runs none twice when A is killed mid-rollout', async () => {
    const call = api(b.url, ADMIN)
    await call('POST', '/api/v1/flags', { key: 'migration' })
    const stages = [10, 20, 30, 40, 50, 60, 70, 80].map((percent) => ({ percent, after: '1s' }))
    const rollout = await call('POST', '/api/v1/rollouts', {
      flag: 'migration',
      env: 'production',
      variation: 0,
      stages,
    })
    expect(rollout.status).toBe(201)
    await waitFor(
      async () => (await call('GET', `/api/v1/rollouts/${rollout.body.id}`)).body.currentStage >= 2,
      10_000,
      50,
    )
    a.child.kill('SIGKILL')
    await a.exited
    const done = await waitFor(
      async () => {
        const r = await call('GET', `/api/v1/rollouts/${rollout.body.id}`)
        return r.body.state === 'completed' ? r.body : null
      },
      20_000,
      100,
    )
    expect(done.currentPercent).toBe(80)
    const changes = (await call('GET', '/api/v1/changes?flag=migration&limit=100')).body.items
    const steps = changes
      .filter(
        (c: { action: string }) => c.action === 'rollout.step' || c.action === 'rollout.complete',
      )
      .reverse()
    expect(steps.map((c: { after: { fallthrough: unknown } }) => c.after.fallthrough)).toEqual(
      [10, 20, 30, 40, 50, 60, 70, 80].map((p) => ({
        rollout: { weights: [p * 1000, 100_000 - p * 1000] },
      })),
    )
  }, 40_000)

  it('moves an SDK to the other replica when its replica goes away', async () => {
    a = await startServerProcess({ ...env, PORT: new URL(a.url).port })
    const client = init({
      sdkKey,
      baseUrls: [a.url, b.url],
      logger: quiet,
      initialBackoffMs: 100,
      maxBackoffMs: 500,
    })
    clients.push(client)
    await client.waitForReady({ timeoutMs: 10_000 })
    const stopped = await a.stop('SIGTERM')
    expect(stopped.code).toBe(0)
    await api(b.url, ADMIN)('POST', '/api/v1/flags/checkout/envs/production/kill', {
      comment: 'while A is down',
    })
    await waitFor(() => client.variation('checkout', { key: 'u' }, true) === false, 10_000, 10)
    expect(client.connectionState).toBe('streaming')
  }, 30_000)
})
