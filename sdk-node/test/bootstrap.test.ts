import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JsonValue } from '@switchyard/core'
import type { Snapshot } from '@switchyard/sdk-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { boolFlag, type FakeServer, startFakeServer, waitFor } from './fake-server.js'
import { closeClients, createClient, USER } from './helpers.js'

const SNAPSHOT = {
  version: 7,
  flags: [boolFlag('new-checkout', true), boolFlag('dark-mode', false)],
}
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-sdk-'))
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

afterEach(closeClients)

describe('offline mode', () => {
  it('is ready at once and serves fallbacks without a bootstrap', async () => {
    const t = createClient(null, { offline: true, sdkKey: undefined })

    await t.client.waitForReady({ timeoutMs: 10 })

    expect(t.client.connectionState).toBe('offline')
    expect(t.client.dataVersion).toBe(-1)
    expect(t.client.variation('new-checkout', USER, 'fallback')).toBe('fallback')
    expect(t.client.allFlags(USER)).toEqual({})
  })

  it('serves the bootstrap and never touches the network', async () => {
    const server = await startFakeServer()
    try {
      const t = createClient(server, { offline: true, bootstrap: SNAPSHOT })
      const readies: number[] = []
      t.client.on('ready', ({ version }) => readies.push(version))

      await t.client.waitForReady({ timeoutMs: 10 })
      await waitFor(() => readies.length === 1, 1_000, 'ready event')

      expect(readies).toEqual([7])
      expect(t.client.variation('new-checkout', USER, false)).toBe(true)
      expect(t.client.lastUpdated).toBeNull()
      expect(server.upgradeRequests).toHaveLength(0)
      expect(server.pollRequests).toHaveLength(0)
    } finally {
      await closeClients()
      await server.close()
    }
  })
})

describe('bootstrap', () => {
  it('serves a snapshot object immediately after init', () => {
    const t = createClient(null, { offline: true, bootstrap: SNAPSHOT })

    expect(t.client.ready).toBe(true)
    expect(t.client.dataVersion).toBe(7)
    expect(t.client.variationDetail('new-checkout', USER, false)).toMatchObject({
      value: true,
      variationIndex: 1,
      reason: { kind: 'FALLTHROUGH' },
    })
  })

  it('serves typed values through the convenience wrappers', () => {
    const flag = (key: string, kind: 'string' | 'number' | 'json', variations: JsonValue[]) => ({
      ...boolFlag(key, true),
      kind,
      variations,
    })
    const t = createClient(null, {
      offline: true,
      bootstrap: {
        version: 1,
        flags: [
          flag('banner', 'string', ['off', 'spring-sale']),
          flag('max-items', 'number', [10, 50]),
          flag('limits', 'json', [{ rps: 1 }, { rps: 100 }]),
        ],
      },
    })
    const { client } = t

    expect(client.stringVariation('banner', USER, 'none')).toBe('spring-sale')
    expect(client.numberVariation('max-items', USER, 0)).toBe(50)
    expect(client.jsonVariation('limits', USER, { rps: 0 })).toEqual({ rps: 100 })
    // a value of another type than the fallback is never served
    expect(client.numberVariation('banner', USER, 7)).toBe(7)
    expect(client.variationDetail('banner', USER, 7).reason).toEqual({
      kind: 'ERROR',
      errorKind: 'WRONG_TYPE',
    })
    expect(client.allFlags(USER)).toEqual({
      banner: 'spring-sale',
      'max-items': 50,
      limits: { rps: 100 },
    })
  })

  it('never serves a value of another type from a typed variation, whatever the fallback', () => {
    const t = createClient(null, {
      offline: true,
      bootstrap: {
        version: 1,
        flags: [
          { ...boolFlag('banner', true), kind: 'string', variations: ['off', 'spring-sale'] },
          { ...boolFlag('max-items', true), kind: 'number', variations: [10, 50] },
          boolFlag('new-checkout', true),
        ],
      },
    })
    const { client } = t
    // what a JavaScript caller (no type checker) can pass as the fallback
    const loose = (value: unknown) => value as never

    for (const fallback of [undefined, null, 'yes', 1]) {
      expect(client.boolVariation('banner', USER, loose(fallback))).toBe(fallback)
    }
    for (const fallback of [undefined, null, 7, true]) {
      expect(client.stringVariation('max-items', USER, loose(fallback))).toBe(fallback)
    }
    for (const fallback of [undefined, null, '7', false]) {
      expect(client.numberVariation('new-checkout', USER, loose(fallback))).toBe(fallback)
    }
    // the named type is served even when the fallback has none
    expect(client.boolVariation('new-checkout', USER, loose(undefined))).toBe(true)
    expect(client.stringVariation('banner', USER, loose(null))).toBe('spring-sale')
    expect(client.numberVariation('max-items', USER, loose(undefined))).toBe(50)
  })

  it('loads a snapshot file synchronously', () => {
    const path = join(dir, 'flags.json')
    writeFileSync(path, JSON.stringify(SNAPSHOT))

    const t = createClient(null, { offline: true, bootstrap: path })

    expect(t.client.ready).toBe(true)
    expect(t.client.variation('new-checkout', USER, false)).toBe(true)
    expect(t.client.allFlags(USER)).toEqual({ 'new-checkout': true, 'dark-mode': false })
  })

  it('reports a missing file as an error and serves fallbacks', async () => {
    const path = join(dir, 'missing.json')
    const t = createClient(null, { offline: true, bootstrap: path })

    await waitFor(() => t.errors.length === 1, 1_000, 'error event')

    expect(t.errors[0]?.code).toBe('BOOTSTRAP_FAILED')
    expect(t.errors[0]?.message).toContain(path)
    expect(t.client.variation('new-checkout', USER, 'fallback')).toBe('fallback')
  })

  it('refuses a file larger than maxMessageBytes, and one that is not a regular file', async () => {
    const path = join(dir, 'large.json')
    writeFileSync(path, JSON.stringify(SNAPSHOT))
    const large = createClient(null, { offline: true, bootstrap: path, maxMessageBytes: 64 })
    const device = createClient(null, { offline: true, bootstrap: '/dev/zero' })

    await waitFor(() => large.errors.length === 1 && device.errors.length === 1, 1_000, 'errors')
    expect(large.errors[0]?.code).toBe('BOOTSTRAP_FAILED')
    expect(large.errors[0]?.message).toContain('larger than maxMessageBytes (64)')
    expect(large.client.variation('new-checkout', USER, false)).toBe(false)
    expect(device.errors[0]?.code).toBe('BOOTSTRAP_FAILED')
    expect(device.errors[0]?.message).toContain('/dev/zero: not a regular file')
  })

  it('rejects a file that is not a snapshot', async () => {
    const path = join(dir, 'bad.json')
    writeFileSync(path, JSON.stringify({ flags: 'nope' }))
    const t = createClient(null, { offline: true, bootstrap: path })

    await waitFor(() => t.errors.length === 1, 1_000, 'error event')
    expect(t.errors[0]?.message).toContain('is not a snapshot')
  })

  it.each([
    {
      label: 'a flag with an empty key',
      bootstrap: { version: 1, flags: [{ ...boolFlag('new-checkout', true), key: '' }] },
    },
    {
      label: 'a getter that throws',
      bootstrap: {
        version: 1,
        get flags(): never {
          throw new Error('getter bug')
        },
      },
    },
  ])('reports a bootstrap with $label as BOOTSTRAP_FAILED and serves fallbacks', async (c) => {
    const t = createClient(null, { offline: true, bootstrap: c.bootstrap })

    await waitFor(() => t.errors.length === 1, 1_000, 'error event')

    expect(t.errors[0]?.code).toBe('BOOTSTRAP_FAILED')
    expect(t.client.variation('new-checkout', USER, 'fallback')).toBe('fallback')
  })

  describe('flags keyed like Object.prototype members', () => {
    const snapshot: Snapshot = {
      version: 1,
      flags: [
        {
          ...boolFlag('__proto__', true),
          kind: 'json' as const,
          variations: [{}, { polluted: 1 }],
        },
        boolFlag('constructor', true),
        { ...boolFlag('hasOwnProperty', true), kind: 'string' as const, variations: ['a', 'b'] },
        boolFlag('toString', false),
        boolFlag('new-checkout', true),
      ],
    }

    it.each([
      { label: 'an object', bootstrap: () => snapshot },
      {
        label: 'a file',
        bootstrap: () => {
          const path = join(dir, 'proto-keys.json')
          writeFileSync(path, JSON.stringify(snapshot))
          return path
        },
      },
    ])('are plain own keys of allFlags, from $label', ({ bootstrap }) => {
      const t = createClient(null, { offline: true, bootstrap: bootstrap() })

      const all = t.client.allFlags(USER)

      expect(Object.getPrototypeOf(all)).toBe(Object.prototype)
      expect(Object.keys(all).sort()).toEqual(
        ['__proto__', 'constructor', 'hasOwnProperty', 'new-checkout', 'toString'].sort(),
      )
      expect(Object.hasOwn(all, '__proto__')).toBe(true)
      expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toEqual({ polluted: 1 })
      expect('polluted' in all).toBe(false)
      expect(all.constructor).toBe(true)
      expect(all.hasOwnProperty).toBe('b')
      expect(all.toString).toBe(false)
      expect(all['new-checkout']).toBe(true)
      expect(JSON.parse(JSON.stringify(all))).toEqual(all)
      expect(t.client.jsonVariation('__proto__', USER, {})).toEqual({ polluted: 1 })
    })

    it('cannot lose its prototype to a "__proto__" flag that serves null', () => {
      const broken = { ...boolFlag('__proto__', true), fallthrough: { variation: 7 } }
      const t = createClient(null, {
        offline: true,
        bootstrap: { version: 1, flags: [broken, boolFlag('new-checkout', true)] },
      })

      const all = t.client.allFlags(USER)

      expect(Object.getPrototypeOf(all)).toBe(Object.prototype)
      expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toBeNull()
      expect(Object.prototype.hasOwnProperty.call(all, 'new-checkout')).toBe(true)
    })
  })

  describe('with a server', () => {
    let server: FakeServer

    beforeAll(async () => {
      server = await startFakeServer()
    })

    afterAll(async () => {
      await server.close()
    })

    it('serves the bootstrap until the server data replaces it, then emits changes', async () => {
      server.setFlags(8, [boolFlag('new-checkout', false, 2), boolFlag('dark-mode', false)])
      server.putOnConnect = false
      const t = createClient(server, { bootstrap: SNAPSHOT })

      await t.client.waitForReady({ timeoutMs: 10 })
      expect(t.client.variation('new-checkout', USER, false)).toBe(true)
      expect(t.client.connectionState).toBe('initializing')

      await waitFor(() => server.sockets.size === 1, 2_000, 'connection')
      expect(server.upgradeRequests[0]?.url).toBe('/sdk/v1/stream?version=7')
      server.put()

      await waitFor(() => t.client.dataVersion === 8, 2_000, 'version 8')
      expect(t.client.variation('new-checkout', USER, true)).toBe(false)
      expect(t.changes).toEqual([{ key: 'new-checkout', version: 8 }])
    })
  })
})
