import { describe, expect, it } from 'vitest'
import { isSwitchyardError } from '../errors.js'
import type { Context } from '../model/context.js'
import type { WireFlag } from '../model/flag.js'
import { createFlagStore } from './store.js'

function wireFlag(key: string, overrides: Partial<WireFlag> = {}): WireFlag {
  return {
    key,
    kind: 'boolean',
    variations: [false, true],
    clientSide: false,
    version: 1,
    on: true,
    offVariation: 0,
    targets: [],
    rules: [],
    fallthrough: { variation: 1 },
    prerequisites: [],
    salt: `${key}-salt`,
    ...overrides,
  }
}

const user: Context = { key: 'user-1' }

describe('createFlagStore', () => {
  it('starts uninitialized at version -1', () => {
    const store = createFlagStore()
    expect(store.version).toBe(-1)
    expect(store.initialized).toBe(false)
    expect(store.keys()).toEqual([])
    expect(store.snapshot()).toEqual({ version: -1, flags: [], segments: [] })
  })

  it('serves the fallback with CLIENT_NOT_READY before the first put', () => {
    const store = createFlagStore()
    store.upsert(4, wireFlag('early'))
    expect(store.initialized).toBe(false)
    expect(store.variation('early', user, false)).toBe(false)
    expect(store.variationDetail('early', user, false)).toStrictEqual({
      value: false,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'CLIENT_NOT_READY' },
    })
  })

  it('replaces every flag on put and records the version', () => {
    const store = createFlagStore()
    store.put(1, [wireFlag('a'), wireFlag('b')])
    store.put(2, [wireFlag('c')])
    expect(store.initialized).toBe(true)
    expect(store.version).toBe(2)
    expect(store.keys()).toEqual(['c'])
    expect(store.get('a')).toBeUndefined()
    expect(store.variationDetail('a', user, false).reason).toStrictEqual({
      kind: 'ERROR',
      errorKind: 'FLAG_NOT_FOUND',
    })
  })

  it('compiles each flag once, on write', () => {
    const store = createFlagStore()
    store.put(1, [wireFlag('a')])
    const compiled = store.get('a')
    store.variation('a', user, false)
    expect(store.get('a')).toBe(compiled)
    store.upsert(2, wireFlag('a', { on: false }))
    expect(store.get('a')).not.toBe(compiled)
    expect(store.variation('a', user, true)).toBe(false)
  })

  it('adds, replaces and removes single flags', () => {
    const store = createFlagStore()
    store.put(1, [wireFlag('a')])
    store.upsert(2, wireFlag('b', { fallthrough: { variation: 0 } }))
    expect(store.version).toBe(2)
    expect(store.variation('b', user, true)).toBe(false)
    store.remove(3, 'a')
    expect(store.version).toBe(3)
    expect(store.keys()).toEqual(['b'])
    store.remove(4, 'never-existed')
    expect(store.version).toBe(4)
  })

  it('returns the raw wire flags from getWire and snapshot', () => {
    const store = createFlagStore()
    const a = wireFlag('a')
    const broken = wireFlag('broken', { offVariation: 5 })
    store.put(7, [a, broken])
    expect(store.getWire('a')).toBe(a)
    expect(store.snapshot()).toEqual({ version: 7, flags: [a, broken], segments: [] })
  })

  it('keeps a malformed flag, which serves the fallback with MALFORMED_FLAG', () => {
    const store = createFlagStore()
    store.put(1, [wireFlag('broken', { offVariation: 5 }), wireFlag('fine')])
    expect(store.get('broken')?.problem).toMatch(/^offVariation:/)
    expect(store.variationDetail('broken', user, false)).toStrictEqual({
      value: false,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    })
    expect(store.variation('fine', user, false)).toBe(true)
  })

  it('rejects a non-array put or a flag without a key and leaves the store as it was', () => {
    const store = createFlagStore()
    store.put(1, [wireFlag('a')])
    const attempts = [
      () => store.put(2, null as unknown as WireFlag[]),
      () => store.put(2, [wireFlag('b'), { ...wireFlag('c'), key: '' }]),
      () => store.upsert(2, 'nope' as unknown as WireFlag),
    ]
    for (const attempt of attempts) {
      let thrown: unknown
      try {
        attempt()
      } catch (error) {
        thrown = error
      }
      expect(isSwitchyardError(thrown) && thrown.code).toBe('INVALID_ARGUMENT')
    }
    expect(store.version).toBe(1)
    expect(store.keys()).toEqual(['a'])
  })

  it('resolves prerequisites against the current store contents', () => {
    const store = createFlagStore()
    store.put(1, [wireFlag('child', { prerequisites: [{ flag: 'parent', variation: 1 }] })])
    expect(store.variationDetail('child', user, true).reason).toStrictEqual({
      kind: 'PREREQUISITE_FAILED',
      prerequisiteKey: 'parent',
    })
    store.upsert(2, wireFlag('parent'))
    expect(store.variationDetail('child', user, false)).toStrictEqual({
      value: true,
      variationIndex: 1,
      reason: { kind: 'FALLTHROUGH' },
    })
  })

  it.each([
    { label: 'a boolean fallback for a string value', fallback: false, ok: false },
    { label: 'a string fallback for a string value', fallback: '', ok: true },
    { label: 'a number fallback for a string value', fallback: 0, ok: false },
    { label: 'a null fallback', fallback: null, ok: true },
    { label: 'an undefined fallback', fallback: undefined, ok: true },
    { label: 'an object fallback for a string value', fallback: {}, ok: false },
  ])('checks the value type against $label', ({ fallback, ok }) => {
    const store = createFlagStore()
    store.put(1, [wireFlag('s', { kind: 'string', variations: ['x', 'y'] })])
    const detail = store.variationDetail<unknown>('s', user, fallback)
    expect(detail.value).toBe(ok ? 'y' : fallback)
    expect(detail.variationIndex).toBe(ok ? 1 : null)
    expect(store.variation<unknown>('s', user, fallback)).toBe(ok ? 'y' : fallback)
    if (!ok) expect(detail.reason).toStrictEqual({ kind: 'ERROR', errorKind: 'WRONG_TYPE' })
  })

  it('never throws from variation or variationDetail, even for a hostile context', () => {
    const store = createFlagStore()
    store.put(1, [
      wireFlag('ruled', {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'plan', op: 'in', values: ['pro'], negate: false }],
            serve: { variation: 0 },
          },
        ],
      }),
    ])
    const hostile = new Proxy(
      { key: 'u' },
      {
        get(target, name) {
          if (name === 'key') return target.key
          throw new Error('boom')
        },
        getOwnPropertyDescriptor() {
          throw new Error('boom')
        },
      },
    )
    expect(store.variation('ruled', hostile, 'fallback')).toBe('fallback')
    expect(store.variationDetail('ruled', hostile, 'fallback')).toStrictEqual({
      value: 'fallback',
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    })
    expect(store.variation(42 as unknown as string, user, 'fallback')).toBe('fallback')
  })
})
