// The OpenFeature provider's lifecycle and events over a client talking to the fake server:
// READY, ERROR (refused key, timeout), STALE and back, CONFIGURATION_CHANGED, and who closes
// the client.
import {
  ErrorCode,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  type EventDetails,
} from '@openfeature/server-sdk'
import { createSilentLogger, init, type Options } from '@switchyard/sdk-node'
import { SwitchyardProvider } from '@switchyard/sdk-node/openfeature'
import { afterEach, describe, expect, it } from 'vitest'
import {
  boolFlag,
  quietPeriod,
  SDK_KEY,
  startFakeServer,
  waitFor,
  type FakeServer,
} from './fake-server.js'

const USER = { targetingKey: 'user-1' }
const FAST: Options = { initialBackoffMs: 20, maxBackoffMs: 100, logger: createSilentLogger() }
let server: FakeServer | null = null
const closers: Array<() => Promise<void>> = []
let domains = 0

afterEach(async () => {
  await OpenFeature.clearProviders()
  OpenFeature.clearHandlers()
  for (const close of closers.splice(0)) await close()
  await server?.close()
  server = null
})

async function startServer(): Promise<FakeServer> {
  server = await startFakeServer()
  server.setFlags(1, [boolFlag('a', true), boolFlag('b', true), boolFlag('c', true)])
  return server
}

/** A provider on its own domain, with every event it emits recorded. */
function register(provider: SwitchyardProvider) {
  const domain = `test-${++domains}`
  const client = OpenFeature.getClient(domain)
  const events: Array<{ type: ProviderEvents; details: EventDetails | undefined }> = []
  for (const type of Object.values(ProviderEvents)) {
    client.addHandler(type, (details) => void events.push({ type, details }))
  }
  const ofTypes = () => events.map((e) => e.type)
  return {
    client,
    events,
    types: ofTypes,
    set: () => OpenFeature.setProviderAndWait(domain, provider),
  }
}

describe('SwitchyardProvider lifecycle', () => {
  it('is READY once its client has data, with READY emitted once', async () => {
    const s = await startServer()
    const provider = new SwitchyardProvider({ sdkKey: SDK_KEY, baseUrl: s.url, ...FAST })
    const t = register(provider)
    await t.set()
    expect(t.client.providerStatus).toBe(ProviderStatus.READY)
    expect(await t.client.getBooleanValue('a', false, USER)).toBe(true)
    await quietPeriod(50)
    expect(t.types()).toEqual([ProviderEvents.Ready])
  })

  it('is FATAL when the key is refused before any data, and answers PROVIDER_FATAL', async () => {
    const s = await startServer()
    const provider = new SwitchyardProvider({ sdkKey: 'wrong-key', baseUrl: s.url, ...FAST })
    const t = register(provider)
    await expect(t.set()).rejects.toThrow(/401/)
    expect(t.client.providerStatus).toBe(ProviderStatus.FATAL)
    expect(t.types()).toEqual([ProviderEvents.Error])
    expect(t.events[0]!.details?.message).toMatch(/Stream refused \(401/)
    expect(await t.client.getBooleanDetails('a', false, USER)).toMatchObject({
      value: false,
      reason: 'ERROR',
      errorCode: ErrorCode.PROVIDER_FATAL,
    })
  })

  it('is ERROR when the key is refused after data, and keeps serving that data', async () => {
    const s = await startServer()
    const provider = new SwitchyardProvider({ sdkKey: SDK_KEY, baseUrl: s.url, ...FAST })
    const t = register(provider)
    await t.set()
    s.closeStreams(4401, 'invalid SDK key')
    await waitFor(() => t.types().includes(ProviderEvents.Error), 3_000, 'an ERROR event')
    expect(t.client.providerStatus).toBe(ProviderStatus.ERROR)
    expect(t.events.at(-1)!.details).toMatchObject({ message: expect.stringMatching(/4401/) })
    expect(t.events.at(-1)!.details?.errorCode).toBeUndefined()
    expect(await t.client.getBooleanDetails('a', false, USER)).toMatchObject({
      value: true,
      reason: 'DEFAULT',
    })
  })

  it('is ERROR when initialize() times out, and READY once the client gets data', async () => {
    const s = await startServer()
    s.streamStatus = 503
    s.pollStatus = 503
    const provider = new SwitchyardProvider({
      sdkKey: SDK_KEY,
      baseUrl: s.url,
      readyTimeoutMs: 200,
      ...FAST,
    })
    const t = register(provider)
    await expect(t.set()).rejects.toThrow(/not ready after 200 ms/)
    expect(t.client.providerStatus).toBe(ProviderStatus.ERROR)
    expect(await t.client.getBooleanDetails('a', false, USER)).toMatchObject({
      value: false,
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    })

    s.streamStatus = null
    s.pollStatus = null
    await waitFor(() => t.client.providerStatus === ProviderStatus.READY, 5_000, 'READY')
    expect(t.types()).toEqual([ProviderEvents.Error, ProviderEvents.Ready])
    expect(await t.client.getBooleanValue('a', false, USER)).toBe(true)
  })

  it('is STALE while its data goes unconfirmed past maxDataAgeMs, and READY when confirmed', async () => {
    const s = await startServer() // no pings: nothing confirms the data after the put
    const provider = new SwitchyardProvider({
      sdkKey: SDK_KEY,
      baseUrl: s.url,
      maxDataAgeMs: 400,
      ...FAST,
    })
    const t = register(provider)
    await t.set()
    await waitFor(() => t.client.providerStatus === ProviderStatus.STALE, 3_000, 'STALE')
    expect(t.events.at(-1)!.details?.message).toMatch(/maxDataAgeMs/)
    const stale = await t.client.getBooleanDetails('a', false, USER)
    expect(stale).toMatchObject({ value: false, reason: 'ERROR', errorCode: ErrorCode.GENERAL })
    expect(stale.errorMessage).toMatch(/^flag a not evaluated: the server has not confirmed/)

    s.patch(boolFlag('b', false, 2))
    await waitFor(() => t.client.providerStatus === ProviderStatus.READY, 3_000, 'READY')
    expect(t.types()).toEqual([
      ProviderEvents.Ready,
      ProviderEvents.Stale,
      ProviderEvents.Ready,
      ProviderEvents.ConfigurationChanged,
    ])
    expect(await t.client.getBooleanValue('a', false, USER)).toBe(true)
  })

  it('turns STALE after READY when the client it wraps is stale already', async () => {
    const s = await startServer()
    const client = init({ sdkKey: SDK_KEY, baseUrl: s.url, maxDataAgeMs: 200, ...FAST })
    closers.push(() => client.close())
    await waitFor(() => client.stale, 3_000, 'the client to go stale')
    const t = register(new SwitchyardProvider({ client }))
    await t.set()
    await waitFor(() => t.client.providerStatus === ProviderStatus.STALE, 3_000, 'STALE')
    expect(t.types()).toEqual([ProviderEvents.Ready, ProviderEvents.Stale])
  })
})

describe('SwitchyardProvider CONFIGURATION_CHANGED', () => {
  it('tells of a changed flag, with the environment version', async () => {
    const s = await startServer()
    const t = register(new SwitchyardProvider({ sdkKey: SDK_KEY, baseUrl: s.url, ...FAST }))
    await t.set()
    const version = s.patch(boolFlag('a', false, 2))
    await waitFor(() => t.types().includes(ProviderEvents.ConfigurationChanged), 3_000, 'a change')
    expect(t.events.at(-1)!.details).toMatchObject({
      flagsChanged: ['a'],
      metadata: { environmentVersion: version },
    })
    expect(await t.client.getBooleanValue('a', true, USER)).toBe(false)
  })

  it('tells of a snapshot that changes many flags in one event with all their keys', async () => {
    const s = await startServer()
    const t = register(new SwitchyardProvider({ sdkKey: SDK_KEY, baseUrl: s.url, ...FAST }))
    await t.set()
    s.setFlags(9, [boolFlag('a', false, 2), boolFlag('b', true), boolFlag('d', true)])
    s.put()
    await waitFor(() => t.types().includes(ProviderEvents.ConfigurationChanged), 3_000, 'a change')
    await quietPeriod(100)
    const changes = t.events.filter((e) => e.type === ProviderEvents.ConfigurationChanged)
    expect(changes).toHaveLength(1)
    const details = changes[0]!.details as { flagsChanged: string[]; metadata: unknown }
    expect([...details.flagsChanged].sort()).toEqual(['a', 'c', 'd'])
    expect(details.metadata).toEqual({ environmentVersion: 9 })
  })
})

describe('SwitchyardProvider client ownership', () => {
  it('creates its client in initialize() and closes it in onClose()', async () => {
    const s = await startServer()
    const provider = new SwitchyardProvider({ sdkKey: SDK_KEY, baseUrl: s.url, ...FAST })
    expect(provider.client).toBeNull()
    await register(provider).set()
    const client = provider.client!
    expect(client.connectionState).toBe('streaming')
    await OpenFeature.clearProviders()
    expect(client.connectionState).toBe('closed')
    expect(provider.client).toBeNull()
  })

  it('creates a new client when initialized again after onClose()', async () => {
    const s = await startServer()
    const provider = new SwitchyardProvider({ sdkKey: SDK_KEY, baseUrl: s.url, ...FAST })
    await provider.initialize()
    const first = provider.client!
    await provider.onClose()
    await provider.initialize()
    expect(provider.client).not.toBe(first)
    expect(provider.client!.ready).toBe(true)
    await provider.onClose()
  })

  it('leaves a client it wraps open, and stops following its events', async () => {
    const s = await startServer()
    const client = init({ sdkKey: SDK_KEY, baseUrl: s.url, ...FAST })
    closers.push(() => client.close())
    const provider = new SwitchyardProvider({ client })
    const emitted: string[] = []
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, () => void emitted.push('x'))
    await register(provider).set()
    await OpenFeature.clearProviders()
    expect(provider.client).toBe(client)
    expect(client.connectionState).toBe('streaming')

    s.patch(boolFlag('a', false, 2))
    await waitFor(() => client.variation('a', { key: 'u' }, true) === false, 3_000, 'the patch')
    await quietPeriod(50)
    expect(emitted).toEqual([])
  })

  it('is FATAL over a client that was closed before it had data', async () => {
    const client = init({ offline: false, sdkKey: SDK_KEY, baseUrl: 'http://127.0.0.1:9', ...FAST })
    await client.close()
    const t = register(new SwitchyardProvider({ client }))
    await expect(t.set()).rejects.toThrow(/closed before it was ready/)
    expect(t.client.providerStatus).toBe(ProviderStatus.FATAL)
  })

  it('refuses a client together with SDK options, and invalid options', () => {
    const client = init({ offline: true, logger: createSilentLogger() })
    closers.push(() => client.close())
    const both = { client, sdkKey: SDK_KEY } as never
    expect(() => new SwitchyardProvider(both)).toThrow(/either client or SDK options/)
    expect(() => new SwitchyardProvider({ baseUrl: 'http://x' })).toThrow(/sdkKey is required/)
    expect(() => new SwitchyardProvider({ client, readyTimeoutMs: 0 })).toThrow(/readyTimeoutMs/)
  })
})
