import { isSwitchyardError } from '@switchyard/core'
import { init, type StaleEvent } from '@switchyard/sdk-node'
import { afterEach, describe, expect, it } from 'vitest'
import { boolFlag, type FakeServer, quietPeriod, startFakeServer, waitFor } from './fake-server.js'
import { closeClients, createClient, USER } from './helpers.js'

// maxDataAgeMs: a client whose data the server has not confirmed for that long serves fallbacks
// (it fails safe rather than serve data that is too old). The ages here are short and the
// margins wide (pings every 50 ms against 400 ms), so a loaded machine does not flip them.

const MAX_AGE = 400
let server: FakeServer | null = null

afterEach(async () => {
  await closeClients()
  await server?.close()
  server = null
})

async function startServer(pingIntervalMs: number | null): Promise<FakeServer> {
  server = await startFakeServer({ pingIntervalMs })
  server.setFlags(1, [boolFlag('new-checkout', true), boolFlag('dark-mode', false)])
  return server
}

function recordStale(t: ReturnType<typeof createClient>): StaleEvent[] {
  const events: StaleEvent[] = []
  t.client.on('stale', (e) => events.push(e))
  return events
}

describe('maxDataAgeMs', () => {
  it('serves fallbacks once the server stops confirming the data, and flags once it does again', async () => {
    const s = await startServer(null) // no pings: nothing confirms the data after the put
    const t = createClient(s, { maxDataAgeMs: MAX_AGE })
    const events = recordStale(t)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    expect(t.client.stale).toBe(false)

    await waitFor(() => t.client.stale, 3_000, 'the client to go stale')

    expect(t.client.variation('new-checkout', USER, false)).toBe(false)
    expect(t.client.boolVariation('new-checkout', USER, false)).toBe(false)
    expect(t.client.variationDetail('new-checkout', USER, false)).toEqual({
      value: false,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'STALE_DATA' },
    })
    expect(t.client.allFlags(USER)).toEqual({ 'new-checkout': null, 'dark-mode': null })
    expect(events).toHaveLength(1)
    expect(events[0]!.stale).toBe(true)
    expect(events[0]!.dataAgeMs).toBeGreaterThanOrEqual(MAX_AGE)

    s.patch(boolFlag('dark-mode', true, 2))
    await waitFor(() => !t.client.stale, 2_000, 'the client to serve flags again')

    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    expect(t.client.variation('dark-mode', USER, false)).toBe(true)
    expect(events.map((e) => e.stale)).toEqual([true, false])
    expect(events[1]!.dataAgeMs).toBeGreaterThanOrEqual(MAX_AGE)

    // and it goes stale again when the confirmations stop again
    await waitFor(() => t.client.stale, 3_000, 'the client to go stale again')
    expect(events.map((e) => e.stale)).toEqual([true, false, true])
  })

  it.each([
    {
      label: 'stays fresh while the server pings',
      pingMs: 50,
      maxDataAgeMs: MAX_AGE,
      quietMs: MAX_AGE * 3,
    },
    {
      label: 'never goes stale without the option',
      pingMs: null,
      maxDataAgeMs: undefined,
      quietMs: MAX_AGE * 2,
    },
  ])('$label', async ({ pingMs, maxDataAgeMs, quietMs }) => {
    const s = await startServer(pingMs)
    const t = createClient(s, maxDataAgeMs === undefined ? {} : { maxDataAgeMs })
    const events = recordStale(t)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    await quietPeriod(quietMs)

    expect(t.client.stale).toBe(false)
    expect(events).toEqual([])
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })

  it('counts a bootstrap from init(): served until then, fallbacks after while the server is unreachable', async () => {
    const s = await startServer(null)
    const url = s.url
    await s.close()
    server = null
    const t = createClient(null, {
      baseUrl: url,
      maxDataAgeMs: MAX_AGE,
      bootstrap: { version: 1, flags: [boolFlag('new-checkout', true)] },
    })
    await t.client.waitForReady({ timeoutMs: 1_000 })
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    await waitFor(() => t.client.stale, 3_000, 'the client to go stale')

    expect(t.client.variation('new-checkout', USER, false)).toBe(false)
    expect(t.client.variationDetail('new-checkout', USER, false).reason).toEqual({
      kind: 'ERROR',
      errorKind: 'STALE_DATA',
    })
  })

  it('does not go stale without data, and answers CLIENT_NOT_READY', async () => {
    const s = await startServer(null)
    const url = s.url
    await s.close()
    server = null
    const t = createClient(null, { baseUrl: url, maxDataAgeMs: MAX_AGE })
    const events = recordStale(t)

    await quietPeriod(MAX_AGE * 2)

    expect(t.client.stale).toBe(false)
    expect(events).toEqual([])
    expect(t.client.variationDetail('new-checkout', USER, 'fb')).toEqual({
      value: 'fb',
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'CLIENT_NOT_READY' },
    })
    expect(t.client.allFlags(USER)).toEqual({})
  })

  it('goes on after close(): a closed client goes stale too', async () => {
    const s = await startServer(50)
    const t = createClient(s, { maxDataAgeMs: MAX_AGE })
    await t.client.waitForReady({ timeoutMs: 2_000 })
    await t.client.close()
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    await waitFor(() => t.client.stale, 3_000, 'the closed client to go stale')

    expect(t.client.variation('new-checkout', USER, false)).toBe(false)
  })

  it('counts polls as confirmations, and warns when polls are further apart than the age', async () => {
    const s = await startServer(null)
    const warnings: string[] = []
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} }
    const t = createClient(s, { stream: false, pollIntervalMs: 50, maxDataAgeMs: MAX_AGE, logger })
    const events = recordStale(t)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    await quietPeriod(MAX_AGE * 3)
    expect(t.client.stale).toBe(false)
    expect(events).toEqual([])
    expect(warnings.filter((w) => w.includes('pollIntervalMs'))).toEqual([])

    await s.close()
    server = null
    await waitFor(() => t.client.stale, 3_000, 'the client to go stale once polls fail')

    createClient(null, { baseUrl: 'http://127.0.0.1:1', maxDataAgeMs: 30_000, logger })
    expect(warnings.filter((w) => w.includes('pollIntervalMs'))).toHaveLength(1)
  })

  it.each([
    { label: 'zero', options: { maxDataAgeMs: 0 } },
    { label: 'negative', options: { maxDataAgeMs: -1 } },
    { label: 'NaN', options: { maxDataAgeMs: Number.NaN } },
    { label: 'offline', options: { maxDataAgeMs: 60_000, offline: true } },
  ])('refuses maxDataAgeMs $label with INVALID_OPTIONS', ({ options }) => {
    let thrown: unknown
    try {
      init({ sdkKey: 'k', baseUrl: 'http://127.0.0.1:1', ...options })
    } catch (error) {
      thrown = error
    }
    expect(isSwitchyardError(thrown) && thrown.code).toBe('INVALID_OPTIONS')
    expect(String((thrown as Error).message)).toMatch(/maxDataAgeMs/)
  })
})
