import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { init, type SwitchyardClient } from '@switchyard/sdk-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../server/test/helpers.js'
import { hasAlertmanager, startAlertmanager, type Alertmanager } from './alertmanager.js'
import { api, startServerProcess, type ServerProcess } from './process.js'

const ADMIN = 'sy_tok_e2e-admin-token-0123456789'
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
// CI installs Debian's prometheus-alertmanager in .ci/run; elsewhere the suite says why it skips.
const available = hasAlertmanager() || Boolean(process.env.CI)

describe.runIf(available)('a real Prometheus Alertmanager kills a flag on every SDK', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-e2e-am-'))
  let server: ServerProcess
  let alertmanager: Alertmanager
  const clients: SwitchyardClient[] = []

  beforeAll(async () => {
    server = await startServerProcess({ SWITCHYARD_DATA_DIR: dir, SWITCHYARD_ADMIN_TOKEN: ADMIN })
    const call = api(server.url, ADMIN)
    await call('POST', '/api/v1/flags', { key: 'new-checkout' })
    await call('POST', '/api/v1/flags/new-checkout/envs/production/restore')
    const trigger = await call('POST', '/api/v1/triggers', {
      name: 'checkout-errors',
      flag: 'new-checkout',
      env: 'production',
      action: 'kill',
      format: 'alertmanager',
      onResolved: 'restore',
    })
    expect(trigger.status).toBe(201)
    const key = (await call('POST', '/api/v1/environments/production/keys', { type: 'server' }))
      .body.key
    for (let i = 0; i < 3; i++)
      clients.push(init({ sdkKey: key, baseUrl: server.url, logger: quiet }))
    await Promise.all(clients.map((c) => c.waitForReady({ timeoutMs: 10_000 })))
    alertmanager = await startAlertmanager(trigger.body.url)
  }, 60_000)

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await alertmanager?.stop()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the off variation on every SDK after an alert fires, and restores on resolve', async () => {
    for (const c of clients) expect(c.variation('new-checkout', { key: 'u' }, false)).toBe(true)
    const alert = {
      labels: { alertname: 'CheckoutErrors', severity: 'page' },
      annotations: { summary: 'checkout 5xx above 5%' },
      startsAt: new Date(Date.now() - 60_000).toISOString(),
    }
    await alertmanager.post([alert])
    await waitFor(
      () => clients.every((c) => c.variation('new-checkout', { key: 'u' }, true) === false),
      15_000,
      5,
    )
    const change = (
      await api(server.url, ADMIN)('GET', '/api/v1/changes?flag=new-checkout&limit=1')
    ).body.items[0]
    expect(change).toMatchObject({ actor: 'trigger:checkout-errors', action: 'trigger.kill' })
    expect(change.comment).toContain('CheckoutErrors: checkout 5xx above 5%')

    // Alertmanager sends the resolution once the alert ends.
    await alertmanager.post([{ ...alert, endsAt: new Date(Date.now() - 1000).toISOString() }])
    await waitFor(
      () => clients.every((c) => c.variation('new-checkout', { key: 'u' }, false) === true),
      15_000,
      5,
    )
  }, 40_000)
})

describe.skipIf(available)('Alertmanager end to end', () => {
  it.skip('needs Debian prometheus-alertmanager (apt-get install -y prometheus-alertmanager)', () => {})
})
