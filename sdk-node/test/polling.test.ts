import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  boolFlag,
  type FakeServer,
  quietPeriod,
  SDK_KEY,
  startFakeServer,
  waitFor,
} from './fake-server.js'
import { closeClients, createClient, USER } from './helpers.js'

let server: FakeServer

beforeEach(async () => {
  server = await startFakeServer()
  server.setFlags(1, [boolFlag('new-checkout', true)])
})

afterEach(async () => {
  await closeClients()
  await server.close()
})

describe('polling mode', () => {
  it('polls with the ETag, treats 304 as unchanged and picks up changes', async () => {
    const t = createClient(server, { stream: false, pollIntervalMs: 40 })
    await t.client.waitForReady({ timeoutMs: 2_000 })
    expect(t.client.connectionState).toBe('polling')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    await waitFor(() => server.pollResponses.includes(304), 2_000, 'a 304')
    expect(server.pollRequests[0]?.headers.authorization).toBe(`Bearer ${SDK_KEY}`)
    expect(server.pollRequests[0]?.headers['if-none-match']).toBeUndefined()
    expect(server.pollRequests[1]?.headers['if-none-match']).toBe('"v1"')
    expect(t.changes).toEqual([])

    server.setFlags(2, [boolFlag('new-checkout', false, 2)])

    await waitFor(() => t.changes.length === 1, 2_000, 'change event')
    expect(t.changes).toEqual([{ key: 'new-checkout', version: 2 }])
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    expect(server.upgradeRequests).toHaveLength(0)
  })

  it('replaces a bootstrap with the polled snapshot even at the same version', async () => {
    server.setFlags(7, [boolFlag('new-checkout', false)])
    const t = createClient(server, {
      stream: false,
      pollIntervalMs: 40,
      bootstrap: { version: 7, flags: [boolFlag('new-checkout', true)] },
    })
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    await waitFor(() => server.pollResponses.length > 0, 2_000, 'a poll')
    await waitFor(() => t.client.connectionState === 'polling', 2_000, 'polling')

    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    expect(t.changes).toEqual([{ key: 'new-checkout', version: 7 }])
  })

  it('keeps the last flags when the store refuses a snapshot, and polls for the full body again', async () => {
    // the same version as the bootstrap, so a stored ETag would turn every next poll into a 304
    server.setFlags(7, [boolFlag('new-checkout', false), boolFlag('', true)])
    const t = createClient(server, {
      stream: false,
      pollIntervalMs: 40,
      bootstrap: { version: 7, flags: [boolFlag('new-checkout', true)] },
    })

    await waitFor(() => server.pollRequests.length >= 3, 2_000, 'three polls')

    expect(server.pollRequests.map((r) => r.headers['if-none-match'])).toEqual(
      server.pollRequests.map(() => undefined),
    )
    expect(server.pollResponses).not.toContain(304)
    expect(t.errors[0]?.code).toBe('POLL_FAILED')
    expect(t.errors[0]?.message).toContain('a flag has no non-empty string key')
    expect(t.errors[0]?.message).toContain(`${server.url}/sdk/v1/flags`)
    expect(t.client.connectionState).not.toBe('polling')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    server.setFlags(8, [boolFlag('new-checkout', false, 2)])
    await waitFor(() => t.client.dataVersion === 8, 2_000, 'version 8')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    expect(t.client.connectionState).toBe('polling')
  })

  it('refuses a body larger than maxMessageBytes, keeps the last flags and retries', async () => {
    const big = { ...boolFlag('new-checkout', false, 2), salt: 'x'.repeat(4_000) }
    server.setFlags(2, [big])
    const t = createClient(server, {
      stream: false,
      pollIntervalMs: 40,
      maxMessageBytes: 2_000,
      bootstrap: { version: 1, flags: [boolFlag('new-checkout', true)] },
    })

    await waitFor(() => server.pollRequests.length >= 2, 2_000, 'a retry')

    expect(t.errors[0]?.code).toBe('POLL_FAILED')
    expect(t.errors[0]?.message).toContain('larger than maxMessageBytes (2000 bytes)')
    expect(t.errors[0]?.message).toContain(`${server.url}/sdk/v1/flags`)
    expect(t.client.dataVersion).toBe(1)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    server.setFlags(3, [boolFlag('new-checkout', false, 3)])
    await waitFor(() => t.client.dataVersion === 3, 2_000, 'version 3')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
  })

  it('stops reading a body without a length once it passes maxMessageBytes', async () => {
    let cutOff = false
    server.pollRespond = (res) => {
      // chunked, without an end in sight (bounded, so a client that reads on still gets an end)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"version":9,"flags":[')
      let chunks = 0
      res.on('close', () => (cutOff = !res.writableFinished))
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer)
        if (++chunks > 1_000) {
          clearInterval(timer)
          res.end(']}')
          return
        }
        res.write(`${JSON.stringify(boolFlag(`flag-${chunks}`, true))},`.padEnd(1_024))
      }, 1)
    }
    const t = createClient(server, {
      stream: false,
      maxMessageBytes: 8_192,
      requestTimeoutMs: 15_000,
      bootstrap: { version: 1, flags: [boolFlag('new-checkout', true)] },
    })

    await waitFor(() => t.errors.length > 0, 10_000, 'error event')

    expect(t.errors[0]?.code).toBe('POLL_FAILED')
    expect(t.errors[0]?.message).toContain('larger than maxMessageBytes (8192 bytes)')
    await waitFor(() => cutOff, 2_000, 'the server sees the body cut off')
    expect(t.client.dataVersion).toBe(1)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })

  it('keeps serving the last flags and retries while polls fail', async () => {
    const t = createClient(server, { stream: false, pollIntervalMs: 40 })
    await t.client.waitForReady({ timeoutMs: 2_000 })
    server.pollStatus = 503

    await waitFor(() => t.client.connectionState === 'interrupted', 2_000, 'interrupted')
    expect(t.errors[0]?.code).toBe('POLL_FAILED')
    expect(t.errors[0]?.message).toContain(`(503): ${server.url}/sdk/v1/flags`)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    server.pollStatus = null
    await waitFor(() => t.client.connectionState === 'polling', 2_000, 'polling again')
  })

  it('stops polling on 401', async () => {
    const t = createClient(server, { stream: false, pollIntervalMs: 20, sdkKey: 'nope' })

    await waitFor(() => t.errors.length > 0, 2_000, 'error event')
    await quietPeriod(100)

    expect(server.pollRequests).toHaveLength(1)
    expect(t.errors[0]?.code).toBe('UNAUTHORIZED')
    expect(t.errors[0]?.message).not.toContain('nope')
    expect(t.client.connectionState).toBe('interrupted')
  })
})

describe('polling fallback', () => {
  it('polls after repeated stream failures and stops when the stream is back', async () => {
    server.streamStatus = 503
    const t = createClient(server, { pollIntervalMs: 40, fallbackAfterFailures: 3 })

    await t.client.waitForReady({ timeoutMs: 3_000 })
    expect(t.client.connectionState).toBe('polling')
    expect(server.upgradeRequests.length).toBeGreaterThanOrEqual(3)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    // the stream keeps being retried in the background
    const upgrades = server.upgradeRequests.length
    await waitFor(() => server.upgradeRequests.length > upgrades, 2_000, 'stream retry')

    server.streamStatus = null
    await waitFor(() => t.client.connectionState === 'streaming', 3_000, 'streaming')
    const polls = server.pollRequests.length
    await quietPeriod(150)
    expect(server.pollRequests.length).toBe(polls)
    expect(t.states).toContain('polling')
  })

  it('polls when an open stream goes silent for fallbackAfterMs, and stops when it speaks', async () => {
    const t = createClient(server, {
      pollIntervalMs: 40,
      // above the quiet period below: the silence deadline runs again once the stream is back
      fallbackAfterMs: 300,
      streamTimeoutMs: 10_000,
    })
    await t.client.waitForReady({ timeoutMs: 2_000 })
    expect(t.client.connectionState).toBe('streaming')

    // the socket stays open but nothing arrives (a proxy that stopped forwarding)
    await waitFor(() => t.client.connectionState === 'polling', 2_000, 'polling')
    expect(server.upgradeRequests).toHaveLength(1)
    server.setFlags(2, [boolFlag('new-checkout', false, 2)]) // reaches the client by polling only
    await waitFor(() => t.client.dataVersion === 2, 2_000, 'version 2 by polling')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)

    server.broadcast({ type: 'ping', time: 1, version: 2 })

    await waitFor(() => t.client.connectionState === 'streaming', 2_000, 'streaming again')
    const polls = server.pollRequests.length
    await quietPeriod(120)
    expect(server.pollRequests.length).toBe(polls)
    // interrupted: from the moment the silence is noticed until the first poll succeeds
    expect(t.states).toEqual(['streaming', 'interrupted', 'polling', 'streaming'])
  })

  it('polls again when the stream comes back and then goes silent again', async () => {
    const t = createClient(server, {
      pollIntervalMs: 40,
      fallbackAfterMs: 150,
      streamTimeoutMs: 10_000,
    })
    await t.client.waitForReady({ timeoutMs: 2_000 })
    await waitFor(() => t.client.connectionState === 'polling', 2_000, 'polling')

    server.broadcast({ type: 'ping', time: 1, version: 1 })
    await waitFor(() => t.client.connectionState === 'streaming', 2_000, 'streaming again')

    // one message, then silence on the same socket: the fallback must engage a second time
    await waitFor(() => t.client.connectionState === 'polling', 2_000, 'polling again')
    expect(server.upgradeRequests).toHaveLength(1)
    expect(t.states).toEqual([
      'streaming',
      'interrupted',
      'polling',
      'streaming',
      'interrupted',
      'polling',
    ])
  })

  it('does not poll while the stream keeps delivering pings', async () => {
    server.pingIntervalMs = 40
    const t = createClient(server, { pollIntervalMs: 40, fallbackAfterMs: 150 })
    await t.client.waitForReady({ timeoutMs: 2_000 })

    await quietPeriod(400)

    expect(server.pollRequests).toHaveLength(0)
    expect(t.states).toEqual(['streaming'])
  })

  it('polls when the stream connects but never delivers data for fallbackAfterMs', async () => {
    server.putOnConnect = false
    const t = createClient(server, { pollIntervalMs: 1_000, fallbackAfterMs: 100 })

    await t.client.waitForReady({ timeoutMs: 2_000 })

    expect(t.client.connectionState).toBe('polling')
    expect(server.pollRequests).toHaveLength(1)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })
})
