import { describe, expect, it } from 'vitest'
import { compileFlag } from '../compile/compile-flag.js'
import { compileSegment } from '../compile/compile-segment.js'
import type { CompiledFlag, CompiledSegment } from '../compile/types.js'
import { isSwitchyardError } from '../errors.js'
import type { Clause, WireFlag } from '../model/flag.js'
import type { WireSegment } from '../model/segment.js'
import { evaluate } from './evaluate.js'
import { createFlagStore } from './store.js'

function segmentFlag(key: string, segments: string[], negate = false): WireFlag {
  const clause: Clause = { attribute: 'key', op: 'segmentMatch', values: segments, negate }
  return {
    key,
    kind: 'boolean',
    variations: [false, true],
    clientSide: false,
    version: 1,
    on: true,
    offVariation: 0,
    targets: [],
    rules: [{ id: 'in-segment', clauses: [clause], serve: { variation: 1 } }],
    fallthrough: { variation: 0 },
    prerequisites: [],
    salt: `${key}-salt`,
  }
}

function segment(key: string, overrides: Partial<WireSegment> = {}): WireSegment {
  const empty = { included: [], excluded: [], rules: [] }
  return { key, version: 1, ...empty, salt: `${key}-salt`, ...overrides }
}

const none = (): CompiledFlag | undefined => undefined

describe('segments in evaluate()', () => {
  it('looks segments up at evaluation time through the segment lookup', () => {
    const flag = compileFlag(segmentFlag('beta-only', ['beta']))
    let beta = compileSegment(segment('beta', { included: ['alice'] }))
    const lookup = (key: string): CompiledSegment | undefined => (key === 'beta' ? beta : undefined)
    expect(evaluate(flag, { key: 'alice' }, none, lookup).value).toBe(true)
    expect(evaluate(flag, { key: 'bob' }, none, lookup).value).toBe(false)

    beta = compileSegment(segment('beta', { included: ['bob'] }))

    expect(evaluate(flag, { key: 'alice' }, none, lookup).value).toBe(false)
    expect(evaluate(flag, { key: 'bob' }, none, lookup).value).toBe(true)
  })

  it('treats every segment as unknown when no segment lookup is given', () => {
    expect(evaluate(compileFlag(segmentFlag('f', ['beta'])), { key: 'alice' }, none).value).toBe(
      false,
    )
    expect(
      evaluate(compileFlag(segmentFlag('f', ['beta'], true)), { key: 'alice' }, none).value,
    ).toBe(false)
  })

  it('does not throw when the segment lookup throws', () => {
    const throwing = (): CompiledSegment => {
      throw new Error('lookup failed')
    }
    const detail = evaluate(compileFlag(segmentFlag('f', ['beta'])), { key: 'u' }, none, throwing)
    expect(detail).toStrictEqual({
      value: null,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    })
  })
})

describe('segments in the flag store', () => {
  it('puts, replaces and removes segments, each with the version', () => {
    const store = createFlagStore()
    const beta = segment('beta', { included: ['alice'] })
    store.put(1, [segmentFlag('beta-only', ['beta'])], [beta])
    expect(store.getWireSegment('beta')).toBe(beta)
    expect(store.getSegment('beta')?.included?.has('alice')).toBe(true)
    expect(store.segmentKeys()).toEqual(['beta'])
    expect(store.snapshot()).toEqual({
      version: 1,
      flags: [segmentFlag('beta-only', ['beta'])],
      segments: [beta],
    })

    store.upsertSegment(2, segment('staff'))
    expect(store.version).toBe(2)
    expect(store.segmentKeys()).toEqual(['beta', 'staff'])

    store.removeSegment(3, 'beta')
    expect(store.version).toBe(3)
    expect(store.getSegment('beta')).toBeUndefined()
    expect(store.variation('beta-only', { key: 'alice' }, false)).toBe(false)
    store.removeSegment(4, 'never-existed')
    expect(store.version).toBe(4)
  })

  it('applies a segment change without recompiling any flag', () => {
    const store = createFlagStore()
    store.put(1, [segmentFlag('beta-only', ['beta'])], [segment('beta', { included: ['alice'] })])
    const compiled = store.get('beta-only')
    expect(store.variation('beta-only', { key: 'bob' }, false)).toBe(false)

    store.upsertSegment(2, segment('beta', { included: ['bob'] }))

    expect(store.get('beta-only')).toBe(compiled)
    expect(store.variation('beta-only', { key: 'bob' }, false)).toBe(true)
    expect(store.variation('beta-only', { key: 'alice' }, true)).toBe(false)
  })

  it('replaces the segments on put, and treats absent segments as none', () => {
    const store = createFlagStore()
    store.put(1, [segmentFlag('beta-only', ['beta'])], [segment('beta', { included: ['alice'] })])
    store.put(2, [segmentFlag('beta-only', ['beta'])])
    expect(store.segmentKeys()).toEqual([])
    expect(store.variation('beta-only', { key: 'alice' }, true)).toBe(false)
  })

  it('keeps a malformed segment, which every clause treats as unknown', () => {
    const store = createFlagStore()
    const nested = segment('nested', {
      included: ['alice'],
      rules: [
        {
          id: 'r',
          clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['other'], negate: false }],
        },
      ],
    })
    store.put(1, [segmentFlag('in', ['nested']), segmentFlag('not-in', ['nested'], true)], [nested])
    expect(store.getSegment('nested')?.problem).toMatch(/^rules\.0\.clauses\.0\.op:/)
    expect(store.variation('in', { key: 'alice' }, true)).toBe(false)
    expect(store.variation('not-in', { key: 'bob' }, true)).toBe(false)
  })

  it('rejects bad segment arguments and leaves the store as it was', () => {
    const store = createFlagStore()
    store.put(1, [segmentFlag('beta-only', ['beta'])], [segment('beta')])
    const attempts = [
      () => store.put(2, [], 'nope' as unknown as WireSegment[]),
      () => store.put(2, [], [segment('ok'), { ...segment('x'), key: '' }]),
      () => store.upsertSegment(2, null as unknown as WireSegment),
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
    expect(store.keys()).toEqual(['beta-only'])
    expect(store.segmentKeys()).toEqual(['beta'])
  })

  it('checks a 100,000-key included list in constant time per evaluation', () => {
    const included: string[] = []
    for (let i = 0; i < 100_000; i++) included.push(`user-${i}`)
    const excluded = ['user-99999']
    const store = createFlagStore()
    store.put(1, [segmentFlag('big-only', ['big'])], [segment('big', { included, excluded })])
    const compiled = store.getSegment('big')!
    expect(compiled.included).toBeInstanceOf(Set)
    expect(compiled.included?.size).toBe(100_000)

    const started = performance.now()
    let members = 0
    for (let i = 0; i < 200_000; i++) {
      if (store.variation('big-only', { key: `user-${i}` }, false)) members++
    }
    const elapsed = performance.now() - started
    // user-0 … user-99998 are in; user-99999 is excluded; user-100000 and up are not listed
    expect(members).toBe(99_999)
    // A linear scan would need ~1e10 string comparisons here; a Set lookup takes well under 1 s.
    expect(elapsed).toBeLessThan(2_000)
  })
})
