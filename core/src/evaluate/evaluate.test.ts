import { describe, expect, it } from 'vitest'
import { compileFlag } from '../compile/compile-flag.js'
import type { CompiledFlag } from '../compile/types.js'
import type { Context } from '../model/context.js'
import type { WireFlag } from '../model/flag.js'
import { MAX_PREREQUISITE_DEPTH, evaluate } from './evaluate.js'
import { REASON_FALLTHROUGH, REASON_OFF, REASON_TARGET_MATCH } from './reasons.js'

function wireFlag(overrides: Partial<WireFlag> = {}): WireFlag {
  return {
    key: 'flag',
    kind: 'string',
    variations: ['a', 'b', 'c'],
    clientSide: false,
    version: 1,
    on: true,
    offVariation: 1,
    targets: [],
    rules: [],
    fallthrough: { variation: 0 },
    prerequisites: [],
    salt: 'salt',
    ...overrides,
  }
}

const none = (): CompiledFlag | undefined => undefined

describe('evaluate', () => {
  it('serves offVariation when the flag is off', () => {
    const detail = evaluate(compileFlag(wireFlag({ on: false })), { key: 'u' }, none)
    expect(detail).toStrictEqual({ value: 'b', variationIndex: 1, reason: { kind: 'OFF' } })
  })

  it('returns the shared frozen reasons rather than new objects', () => {
    const off = compileFlag(wireFlag({ on: false }))
    const targeted = compileFlag(wireFlag({ targets: [{ variation: 2, values: ['t'] }] }))
    expect(evaluate(off, { key: 'u' }, none).reason).toBe(REASON_OFF)
    expect(evaluate(targeted, { key: 't' }, none).reason).toBe(REASON_TARGET_MATCH)
    expect(evaluate(targeted, { key: 'u' }, none).reason).toBe(REASON_FALLTHROUGH)
    expect(Object.isFrozen(REASON_OFF)).toBe(true)
  })

  it('reports the same rule reason object on every match', () => {
    const flag = compileFlag(
      wireFlag({
        rules: [
          {
            id: 'nl',
            clauses: [{ attribute: 'country', op: 'in', values: ['NL'], negate: false }],
            serve: { variation: 2 },
          },
        ],
      }),
    )
    const first = evaluate(flag, { key: 'u1', country: 'NL' }, none)
    const second = evaluate(flag, { key: 'u2', country: 'NL' }, none)
    expect(first.reason).toStrictEqual({ kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'nl' })
    expect(second.reason).toBe(first.reason)
  })

  it('never serves a zero-weight variation from a rollout', () => {
    const flag = compileFlag(
      wireFlag({ fallthrough: { rollout: { weights: [50_000, 0, 50_000] } } }),
    )
    const served = new Set<number | null>()
    for (let i = 0; i < 2_000; i++)
      served.add(evaluate(flag, { key: `u${i}` }, none).variationIndex)
    expect([...served].sort()).toEqual([0, 2])
  })

  it('serves frozen JSON values that callers cannot corrupt', () => {
    const flag = compileFlag(wireFlag({ kind: 'json', variations: [{ limit: 10 }, { limit: 20 }] }))
    const value = evaluate(flag, { key: 'u' }, none).value as { limit: number }
    expect(() => {
      value.limit = 99
    }).toThrow(TypeError)
    expect(evaluate(flag, { key: 'u' }, none).value).toEqual({ limit: 10 })
  })

  it('reports MALFORMED_FLAG with a null value and index for a malformed flag', () => {
    const detail = evaluate(compileFlag(wireFlag({ offVariation: 7 })), { key: 'u' }, none)
    expect(detail).toStrictEqual({
      value: null,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    })
  })

  it('reports FLAG_NOT_FOUND when given no flag', () => {
    const detail = evaluate(undefined as unknown as CompiledFlag, { key: 'u' }, none)
    expect(detail.reason).toStrictEqual({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' })
  })

  it('reports USER_NOT_SPECIFIED for a context without a string key', () => {
    const flag = compileFlag(wireFlag())
    for (const context of [null, undefined, {}, { key: 1 }, 'u']) {
      const detail = evaluate(flag, context as unknown as Context, none)
      expect(detail.reason).toStrictEqual({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' })
      expect(detail.variationIndex).toBeNull()
    }
  })

  it('does not throw when a context getter or the lookup throws', () => {
    const hostile = {
      key: 'u',
      get country(): string {
        throw new Error('boom')
      },
    }
    const ruled = compileFlag(
      wireFlag({
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'country', op: 'in', values: ['NL'], negate: false }],
            serve: { variation: 2 },
          },
        ],
      }),
    )
    const withPrerequisite = compileFlag(wireFlag({ prerequisites: [{ flag: 'p', variation: 0 }] }))
    const throwing = (): CompiledFlag => {
      throw new Error('lookup failed')
    }
    expect(evaluate(ruled, hostile, none).reason.kind).toBe('ERROR')
    expect(evaluate(withPrerequisite, { key: 'u' }, throwing).variationIndex).toBeNull()
  })

  it('reads only own properties of the context, never the prototype chain', () => {
    const flag = compileFlag(
      wireFlag({
        rules: [
          {
            id: 'r',
            clauses: [
              { attribute: 'constructor.name', op: 'in', values: ['Object'], negate: false },
            ],
            serve: { variation: 2 },
          },
        ],
      }),
    )
    expect(evaluate(flag, { key: 'u' }, none).variationIndex).toBe(0)
  })

  it('stops a prerequisite cycle at the depth limit', () => {
    const flags = new Map<string, CompiledFlag>()
    let lookups = 0
    const lookup = (key: string): CompiledFlag | undefined => {
      lookups++
      return flags.get(key)
    }
    flags.set(
      'a',
      compileFlag(wireFlag({ key: 'a', prerequisites: [{ flag: 'b', variation: 0 }] })),
    )
    flags.set(
      'b',
      compileFlag(wireFlag({ key: 'b', prerequisites: [{ flag: 'a', variation: 0 }] })),
    )
    const detail = evaluate(flags.get('a')!, { key: 'u' }, lookup)
    expect(detail).toStrictEqual({
      value: 'b',
      variationIndex: 1,
      reason: { kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'b' },
    })
    expect(lookups).toBe(MAX_PREREQUISITE_DEPTH)
  })
})
