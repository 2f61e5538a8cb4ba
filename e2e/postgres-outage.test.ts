import { init, type SwitchyardClient } from '@switchyard/sdk-node'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPostgresDatabase } from '../server/test/db.suite.js'
import { waitFor } from '../server/test/helpers.js'
import { api, startServerProcess, type ServerProcess } from './process.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

const ADMIN = 'sy_tok_e2e-admin-token-0123456789'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

describe.runIf(inject('postgres'))('when Postgres goes down and comes back', () => {
  let proxy: TcpProxy
  let server: ServerProcess
  let client: SwitchyardClient
  let call: ReturnType<typeof api>

  beforeAll(async () => {
    const direct = new URL(await createPostgresDatabase())
    proxy = await startTcpProxy(Number(direct.port || 5432), direct.hostname)
    direct.port = String(proxy.port)
    server = await startServerProcess({
      DATABASE_URL: direct.toString(),
      SWITCHYARD_ADMIN_TOKEN: ADMIN,
    })
    call = api(server.url, ADMIN)
    await call('POST', '/api/v1/flags', { key: 'checkout' })
    await call('POST', '/api/v1/flags/checkout/envs/production/restore')
    const key = (await call('POST', '/api/v1/environments/production/keys', { type: 'server' }))
      .body.key
    client = init({ sdkKey: key, baseUrl: server.url, logger: quiet })
    await client.waitForReady({ timeoutMs: 10_000 })
  }, 60_000)

  afterAll(async () => {
    await client?.close()
    await server?.stop()
    await proxy?.close()
  })

  it('keeps SDKs serving, answers writes with 503, and recovers by itself', async () => {
    await proxy.cut()
    // Writes fail fast and clearly; nothing hangs.
    const write = await waitFor(
      async () => {
        const res = await call('POST', '/api/v1/flags/checkout/envs/production/kill', {
          comment: 'during outage',
        })
        return res.status === 503 ? res : null
      },
      15_000,
      200,
    )
    expect(write.body.type).toBe('urn:switchyard:problem:unavailable')
    expect(write.headers.get('retry-after')).toBe('1')
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503)
    // The SDK keeps its stream and its flags.
    expect(client.variation('checkout', { key: 'u' }, false)).toBe(true)
    expect(client.connectionState).toBe('streaming')

    await proxy.restore()
    await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, 30_000, 200)
    const kill = await call('POST', '/api/v1/flags/checkout/envs/production/kill', {
      comment: 'after recovery',
    })
    expect(kill.status).toBe(200)
    await waitFor(() => client.variation('checkout', { key: 'u' }, true) === false, 5000, 10)
  }, 60_000)
})
