import { isSwitchyardError } from '@switchyard/core'
import { createSilentLogger, SwitchyardTimeoutError } from '@switchyard/sdk-node'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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
  server.setFlags(1, [boolFlag('new-checkout', true), boolFlag('dark-mode', false)])
})

afterEach(async () => {
  await closeClients()
  await server.close()
})

describe('streaming', () => {
  it('becomes ready after the first put and serves its flags', async () => {
    const { client } = createClient(server)
    expect(client.connectionState).toBe('initializing')
    expect(client.variation('new-checkout', USER, 'fallback')).toBe('fallback')

    await client.waitForReady({ timeoutMs: 2_000 })

    expect(client.ready).toBe(true)
    expect(client.connectionState).toBe('streaming')
    expect(client.dataVersion).toBe(1)
    expect(client.lastUpdated).toBeInstanceOf(Date)
    expect(client.variation('new-checkout', USER, false)).toBe(true)
    expect(client.boolVariation('dark-mode', USER, true)).toBe(false)
    expect(client.allFlags(USER)).toEqual({ 'new-checkout': true, 'dark-mode': false })
    expect(server.upgradeRequests[0]?.headers.authorization).toBe(`Bearer ${SDK_KEY}`)
  })

  it('connects with a key read from a file with a trailing newline', async () => {
    const t = createClient(server, { sdkKey: `${SDK_KEY}\n` })

    await t.client.waitForReady({ timeoutMs: 2_000 })

    expect(server.upgradeRequests[0]?.headers.authorization).toBe(`Bearer ${SDK_KEY}`)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })

  it('emits ready once, to listeners attached before the data arrives', async () => {
    const { client } = createClient(server)
    const readies: number[] = []
    client.on('ready', ({ version }) => readies.push(version))
    await client.waitForReady({ timeoutMs: 2_000 })
    server.put()
    await waitFor(() => server.sockets.size === 1)
    await quietPeriod(30)
    expect(readies).toEqual([1])
  })

  it('applies a patch and emits change for its key', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    const version = server.patch(boolFlag('new-checkout', false, 2))

    await waitFor(() => t.changes.length === 1, 2_000, 'change event')
    expect(t.changes).toEqual([{ key: 'new-checkout', version }])
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    expect(t.client.dataVersion).toBe(2)
  })

  it('applies a delete and then serves the fallback', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.remove('new-checkout')

    await waitFor(() => t.changes.length === 1, 2_000, 'change event')
    expect(t.changes).toEqual([{ key: 'new-checkout', version: 2 }])
    const detail = t.client.variationDetail('new-checkout', USER, 'fallback')
    expect(detail).toMatchObject({ value: 'fallback', variationIndex: null })
    expect(detail.reason).toMatchObject({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' })
  })

  it('ignores a stale patch', async () => {
    server.setFlags(5, [boolFlag('new-checkout', true)])
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.broadcast({ type: 'patch', version: 4, flag: boolFlag('new-checkout', false) })
    server.broadcast({ type: 'patch', version: 5, flag: boolFlag('new-checkout', false) })
    // a later in-order patch proves the stale ones were processed (and skipped) first
    server.broadcast({ type: 'patch', version: 6, flag: boolFlag('dark-mode', true) })

    await waitFor(() => t.changes.length > 0, 2_000, 'change event')
    expect(t.changes).toEqual([{ key: 'dark-mode', version: 6 }])
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    expect(server.messagesOfType('resync')).toEqual([])
  })

  it('asks for a resync on a version gap, does not apply the patch, and heals from the put', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    server.answerResync = false

    // the server moved to 3 but the client missed version 2
    server.setFlags(3, [boolFlag('new-checkout', false, 3), boolFlag('dark-mode', true, 2)])
    server.broadcast({ type: 'patch', version: 3, flag: boolFlag('new-checkout', false, 3) })

    await waitFor(() => server.messagesOfType('resync').length > 0, 2_000, 'resync')
    expect(server.messagesOfType('resync')).toEqual([{ type: 'resync', version: 1 }])
    expect(t.client.variation('new-checkout', USER, true)).toBe(true)
    expect(t.client.dataVersion).toBe(1)

    server.put()

    await waitFor(() => t.client.dataVersion === 3, 2_000, 'version 3')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    expect(t.client.variation('dark-mode', USER, false)).toBe(true)
    expect(t.changes.map((c) => c.key).sort()).toEqual(['dark-mode', 'new-checkout'])
    expect(t.changes.every((c) => c.version === 3)).toBe(true)
  })

  it('asks for a resync when a ping shows a newer version', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.setFlags(2, [boolFlag('new-checkout', false, 2), boolFlag('dark-mode', false)])
    server.broadcast({ type: 'ping', time: 123, version: 2 })

    await waitFor(() => server.messagesOfType('resync').length === 1, 2_000, 'resync')
    await waitFor(() => t.client.dataVersion === 2, 2_000, 'version 2')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    expect(t.changes).toEqual([{ key: 'new-checkout', version: 2 }])
  })

  it('answers a ping with a pong carrying its time', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.broadcast({ type: 'ping', time: 42, version: 1 })

    await waitFor(() => server.messagesOfType('pong').length === 1, 2_000, 'pong')
    expect(server.messagesOfType('pong')).toEqual([{ type: 'pong', time: 42 }])
    expect(server.messagesOfType('resync')).toEqual([])
  })

  it('reports a malformed message and asks for a snapshot', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    for (const socket of server.sockets) socket.send('not json')

    await waitFor(() => t.errors.length === 1, 2_000, 'error event')
    expect(t.errors[0]?.code).toBe('PROTOCOL_ERROR')
    await waitFor(() => server.messagesOfType('resync').length === 1, 2_000, 'resync')
    expect(t.client.connectionState).toBe('streaming')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })

  it('keeps the last flags when the store refuses a put, and reconnects for a fresh one', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    // the next connection gets no put until the test has looked at the state in between (else
    // it could be refused the same put, and close with 1002 again, before the test looks)
    server.putOnConnect = false
    // well-formed JSON, but the store refuses a flag without a non-empty key (and so the put)
    server.setFlags(2, [boolFlag('new-checkout', false, 2), boolFlag('', true)])
    server.put()

    await waitFor(() => t.errors.length > 0, 2_000, 'error event')
    expect(t.errors[0]?.code).toBe('PROTOCOL_ERROR')
    expect(t.errors[0]?.message).toContain('a flag has no non-empty string key')
    expect(t.errors[0]?.message).toContain(`${server.url.replace('http', 'ws')}/sdk/v1/stream`)
    expect(t.client.dataVersion).toBe(1)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    // the client drops the connection (1002 protocol error) and reconnects with backoff
    await waitFor(() => server.clientCloseCodes.length > 0, 2_000, 'client close')
    expect(server.clientCloseCodes).toEqual([1002])
    await waitFor(() => server.upgradeRequests.length >= 2, 2_000, 'reconnect')
    server.setFlags(3, [boolFlag('new-checkout', false, 3), boolFlag('dark-mode', false)])
    server.put()

    await waitFor(() => t.client.connectionState === 'streaming', 3_000, 'streaming')
    expect(t.client.dataVersion).toBe(3)
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    // one report per refused put: the close it caused is not reported again
    expect(t.errors.map((e) => e.code)).toEqual(t.errors.map(() => 'PROTOCOL_ERROR'))
  })

  it('keeps the last flags when a put is malformed, and reconnects for a fresh one', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    // the next connection gets no put until the test has looked at the state in between
    server.putOnConnect = false

    // a put whose flags is not an array: a resync would most likely bring the same put
    for (const socket of server.sockets) {
      socket.send(JSON.stringify({ type: 'put', version: 2, flags: { 'new-checkout': false } }))
    }

    await waitFor(() => server.upgradeRequests.length >= 2, 2_000, 'reconnect')
    await waitFor(() => server.clientCloseCodes.length > 0, 2_000, 'client close')
    expect(server.clientCloseCodes).toEqual([1002])
    expect(server.messagesOfType('resync')).toEqual([])
    expect(t.errors.map((e) => e.code)).toEqual(['PROTOCOL_ERROR'])
    expect(t.errors[0]?.message).toContain('malformed put')
    expect(t.client.dataVersion).toBe(1)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)

    server.setFlags(3, [boolFlag('new-checkout', false, 3)])
    server.put()
    await waitFor(() => t.client.dataVersion === 3, 3_000, 'the fresh put')
    expect(t.client.connectionState).toBe('streaming')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
  })

  it('does not count a stream whose put is refused as working', async () => {
    server.setFlags(1, [boolFlag('', true)])
    const t = createClient(server, {
      bootstrap: { version: 1, flags: [boolFlag('new-checkout', true)] },
    })

    await waitFor(() => server.upgradeRequests.length >= 2, 2_000, 'reconnect')

    expect(t.errors[0]?.code).toBe('PROTOCOL_ERROR')
    expect(t.states).not.toContain('streaming')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    server.setFlags(2, [boolFlag('new-checkout', false, 2)])
    // (the polling fallback may get there first, after three refused connections)
    await waitFor(() => t.client.connectionState === 'streaming', 3_000, 'streaming')
    expect(t.client.dataVersion).toBe(2)
  })

  it('refuses a message larger than maxMessageBytes, keeps the last flags and reconnects', async () => {
    const big = { ...boolFlag('new-checkout', false, 2), salt: 'x'.repeat(4_000) }
    server.setFlags(2, [big])
    const t = createClient(server, {
      maxMessageBytes: 2_000,
      bootstrap: { version: 1, flags: [boolFlag('new-checkout', true)] },
    })

    await waitFor(() => server.upgradeRequests.length >= 2, 2_000, 'reconnect')

    expect(t.errors[0]?.code).toBe('PROTOCOL_ERROR')
    expect(t.errors[0]?.message).toContain('larger than maxMessageBytes (2000 bytes)')
    expect(t.errors[0]?.message).toContain(`${server.url.replace('http', 'ws')}/sdk/v1/stream`)
    expect(t.client.dataVersion).toBe(1)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    expect(t.states).not.toContain('streaming')

    server.setFlags(3, [boolFlag('new-checkout', false, 3)])
    await waitFor(() => t.client.dataVersion === 3, 3_000, 'version 3')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
  })

  it('emits change on a put only for flags whose JSON differs', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.setFlags(4, [boolFlag('new-checkout', true), boolFlag('added', true)])
    server.put()

    await waitFor(() => t.client.dataVersion === 4, 2_000, 'version 4')
    expect(t.changes.map((c) => c.key).sort()).toEqual(['added', 'dark-mode'])
  })

  it('returns values from allFlags that a caller cannot change under the store', async () => {
    const limits = { ...boolFlag('limits', true), kind: 'json' as const }
    limits.variations = [{ rps: 1 }, { rps: 100 }]
    server.setFlags(1, [limits, boolFlag('dark-mode', false)])
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    const all = t.client.allFlags(USER)
    try {
      ;(all.limits as { rps: number }).rps = 5
    } catch {
      // a frozen value refuses the write, as variation()'s do
    }
    server.put() // the same data again
    server.patch(boolFlag('dark-mode', true, 2))

    await waitFor(() => t.changes.length > 0, 2_000, 'change event')
    expect(t.changes).toEqual([{ key: 'dark-mode', version: 2 }])
    expect(t.client.allFlags(USER).limits).toEqual({ rps: 100 })
    expect(t.client.jsonVariation('limits', USER, { rps: 0 })).toEqual({ rps: 100 })
  })

  it('keeps a flag keyed "__proto__" from a put as an own key of allFlags', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.setFlags(2, [boolFlag('__proto__', true, 2), boolFlag('new-checkout', true)])
    server.put()

    await waitFor(() => t.client.dataVersion === 2, 2_000, 'version 2')
    expect(t.changes.map((c) => c.key).sort()).toEqual(['__proto__', 'dark-mode'])
    const all = t.client.allFlags(USER)
    expect(Object.getPrototypeOf(all)).toBe(Object.prototype)
    expect(Object.keys(all).sort()).toEqual(['__proto__', 'new-checkout'])
    expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toBe(true)
  })

  it('keeps working when a listener throws', async () => {
    const t = createClient(server)
    t.client.on('change', () => {
      throw new Error('listener bug')
    })
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.patch(boolFlag('new-checkout', false, 2))
    server.patch(boolFlag('new-checkout', true, 3))

    await waitFor(() => t.changes.length === 2, 2_000, 'two changes')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })

  it('stops retrying and emits an error when the key is refused with 401', async () => {
    const t = createClient(server, {
      sdkKey: 'wrong-key',
      bootstrap: { version: 1, flags: [boolFlag('new-checkout', true)] },
    })

    await waitFor(() => t.errors.length > 0, 2_000, 'error event')
    await quietPeriod(150)

    expect(server.upgradeRequests).toHaveLength(1)
    expect(server.pollRequests).toHaveLength(0)
    expect(t.errors).toHaveLength(1)
    const [error] = t.errors
    expect(isSwitchyardError(error)).toBe(true)
    expect(error?.code).toBe('UNAUTHORIZED')
    expect(error?.message).toContain('401 invalid SDK key')
    expect(error?.message).toContain(`${server.url.replace('http', 'ws')}/sdk/v1/stream`)
    expect(error?.message).not.toContain('wrong-key')
    expect(t.client.connectionState).toBe('interrupted')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })

  it('rejects waitForReady at once when the key is refused and there is no bootstrap', async () => {
    const t = createClient(server, { sdkKey: 'wrong-key' })
    await waitFor(() => t.errors.length > 0, 2_000, 'error event')

    const started = Date.now()
    await expect(t.client.waitForReady({ timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      SwitchyardTimeoutError,
    )
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('stops when the server closes the stream with 4403 (key revoked)', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.closeStreams(4403, 'revoked')

    await waitFor(() => t.errors.length > 0, 2_000, 'error event')
    await quietPeriod(150)
    expect(t.errors[0]?.message).toContain('4403 SDK key revoked')
    expect(server.upgradeRequests).toHaveLength(1)
    expect(t.client.connectionState).toBe('interrupted')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
  })

  it('reconnects with backoff when the server closes a slow stream with 4429', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    server.setFlags(2, [boolFlag('new-checkout', false, 2)])

    server.closeStreams(4429, 'send buffer full')

    await waitFor(() => t.client.dataVersion === 2, 3_000, 'the fresh put')
    expect(server.upgradeRequests).toHaveLength(2)
    expect(t.client.connectionState).toBe('streaming')
    expect(t.errors.map((e) => e.code)).toEqual(['STREAM_FAILED'])
    expect(t.errors[0]?.message).toContain('4429 the client read too slowly: send buffer full')
  })

  it('reconnects after 1001 going away and keeps serving the last flags meanwhile', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    server.putOnConnect = false
    server.streamStatus = 503
    server.pollStatus = 503

    server.closeStreams(1001, 'restarting')

    await waitFor(() => t.client.connectionState === 'interrupted', 2_000, 'interrupted')
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    expect(t.client.dataVersion).toBe(1)

    server.streamStatus = null
    server.pollStatus = null
    server.putOnConnect = true
    server.setFlags(2, [boolFlag('new-checkout', false, 2)])

    await waitFor(() => t.client.dataVersion === 2, 3_000, 'version 2')
    expect(t.client.connectionState).toBe('streaming')
    expect(t.client.variation('new-checkout', USER, true)).toBe(false)
    // the reconnect said which version the client had
    const lastUpgrade = server.upgradeRequests.at(-1)
    expect(lastUpgrade?.url).toBe('/sdk/v1/stream?version=1')
  })

  it('reconnects at once after one 1001, but backs off when a replica keeps going away', async () => {
    // the jitter picks the top of each range, so the delays show the ceilings
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999)
    const delays: number[] = []
    const logger = {
      ...createSilentLogger(),
      debug: (message: string) => {
        const match = /^Reconnecting stream in (\d+) ms$/.exec(message)
        if (match) delays.push(Number(match[1]))
      },
    }
    try {
      // a replica that accepts, sends a put and closes with 1001, again and again
      server.closeAfterPut = 1001
      const t = createClient(server, { initialBackoffMs: 20, maxBackoffMs: 100, logger })

      await waitFor(() => delays.length >= 5, 3_000, 'five reconnects')
      server.closeAfterPut = null

      // one quick reconnect (below initialBackoffMs), then doubling ceilings up to maxBackoffMs
      expect(delays.slice(0, 5)).toEqual([19, 39, 79, 99, 99])
      expect(t.errors[0]?.code).toBe('STREAM_FAILED')
      expect(t.errors[0]?.message).toContain('again (1001 server going away')
      await waitFor(() => t.client.connectionState === 'streaming', 2_000, 'streaming')
    } finally {
      random.mockRestore()
    }
  })

  it('reconnects when the stream goes silent for streamTimeoutMs', async () => {
    const t = createClient(server, { streamTimeoutMs: 200 })
    await t.client.waitForReady({ timeoutMs: 2_000 })
    expect(server.upgradeRequests).toHaveLength(1)

    await waitFor(() => server.upgradeRequests.length >= 2, 3_000, 'reconnect')
    expect(t.errors[0]?.code).toBe('STREAM_TIMEOUT')
    expect(t.errors[0]?.message).toContain('silent')
  })

  it('does not reconnect while pings keep arriving', async () => {
    server.pingIntervalMs = 50
    const t = createClient(server, { streamTimeoutMs: 200 })
    await t.client.waitForReady({ timeoutMs: 2_000 })

    await quietPeriod(500)

    expect(server.upgradeRequests).toHaveLength(1)
    expect(t.errors).toEqual([])
    expect(t.client.connectionState).toBe('streaming')
  })

  it('fails over to the next base URL when one is down', async () => {
    const dead = await startFakeServer()
    const deadUrl = dead.url
    await dead.close()

    const t = createClient(null, { baseUrls: [deadUrl, server.url] })
    await t.client.waitForReady({ timeoutMs: 3_000 })

    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    expect(t.errors[0]?.message).toContain(`${deadUrl.replace('http', 'ws')}/sdk/v1/stream`)
  })

  it('rejects waitForReady with SwitchyardTimeoutError when no data arrives in time', async () => {
    server.putOnConnect = false
    const t = createClient(server)

    const error = await t.client.waitForReady({ timeoutMs: 100 }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(SwitchyardTimeoutError)
    expect(isSwitchyardError(error)).toBe(true)
    expect((error as Error).message).toContain('not ready after 100 ms')
    expect(t.client.variation('new-checkout', USER, 'fallback')).toBe('fallback')
    expect(t.client.variationDetail('new-checkout', USER, 'fallback').reason).toEqual({
      kind: 'ERROR',
      errorKind: 'CLIENT_NOT_READY',
    })
  })

  it('treats durations beyond what a Node timer holds as the longest one, not as 1 ms', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      server.putOnConnect = false
      const huge = 3_000_000_000 // > 2^31 - 1 ms: setTimeout would fire after 1 ms
      const t = createClient(server, {
        fallbackAfterMs: huge,
        streamTimeoutMs: huge,
        requestTimeoutMs: huge,
      })
      let settled = false
      const ready = t.client.waitForReady({ timeoutMs: Infinity }).finally(() => (settled = true))
      await waitFor(() => server.sockets.size === 1, 2_000, 'connection')

      await quietPeriod(100)

      expect(settled).toBe(false)
      expect(server.pollRequests).toHaveLength(0)
      expect(server.upgradeRequests).toHaveLength(1)
      expect(t.errors).toEqual([])
      server.put()
      await ready
      expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning')
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('keeps huge backoff delays long instead of reconnecting in a tight loop', async () => {
    server.streamStatus = 503
    // the jitter picks a delay near the ceiling, 2.97e9 ms
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99)
    try {
      const t = createClient(server, {
        initialBackoffMs: 3_000_000_000,
        maxBackoffMs: 3_000_000_000,
        fallbackAfterMs: 3_000_000_000,
      })
      await waitFor(() => t.errors.length === 1, 2_000, 'first failure')

      await quietPeriod(100)

      expect(server.upgradeRequests).toHaveLength(1)
    } finally {
      random.mockRestore()
    }
  })

  it('is closed, and rejects a pending waitForReady, as soon as close() is called', async () => {
    server.putOnConnect = false
    const t = createClient(server)
    await waitFor(() => server.sockets.size === 1, 2_000, 'connection')
    server.pauseStreams() // the server will not answer the close handshake
    const waiting = t.client.waitForReady({ timeoutMs: 5_000 }).catch((e: unknown) => e)
    const started = Date.now()

    const closing = t.client.close()

    expect(t.client.connectionState).toBe('closed')
    expect(t.states.at(-1)).toBe('closed')
    expect(await waiting).toBeInstanceOf(SwitchyardTimeoutError)
    expect(Date.now() - started).toBeLessThan(500)
    await closing
  })

  it('closes the socket with 1000 and keeps serving the last data after close', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    await t.client.close()

    expect(t.client.connectionState).toBe('closed')
    await waitFor(() => server.clientCloseCodes.length === 1, 2_000, 'server sees close')
    expect(server.clientCloseCodes).toEqual([1000])
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    await t.client.close()
  })
})
