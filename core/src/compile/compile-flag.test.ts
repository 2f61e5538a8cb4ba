import { describe, expect, it } from 'vitest'
import type { WireFlag } from '../model/flag.js'
import type { JsonValue } from '../model/json.js'
import { compileFlag } from './compile-flag.js'
import type { CompiledFlag, GeneralPlan } from './types.js'
import {
  IN_SET_CUTOFF,
  OP_BEFORE,
  OP_IN_LIST,
  OP_IN_SET,
  OP_MATCHES,
  OP_STARTS_WITH,
} from './operators.js'

function wireFlag(overrides: Partial<WireFlag> = {}): WireFlag {
  return {
    key: 'checkout',
    kind: 'string',
    variations: ['a', 'b', 'c'],
    clientSide: false,
    version: 3,
    on: true,
    offVariation: 0,
    targets: [],
    rules: [],
    fallthrough: { variation: 0 },
    prerequisites: [],
    salt: 'checkout-salt',
    ...overrides,
  }
}

function generalPlan(flag: CompiledFlag): GeneralPlan {
  if (flag.planKind !== 'general') throw new Error(`plan is ${flag.planKind}, not general`)
  return flag.plan
}

/** A flag the general plan evaluates (a rollout needs it), with `overrides`. */
function generalFlag(overrides: Partial<WireFlag> = {}): CompiledFlag {
  return compileFlag(
    wireFlag({ fallthrough: { rollout: { weights: [50_000, 50_000, 0] } }, ...overrides }),
  )
}

describe('compileFlag', () => {
  it('compiles a valid flag with no problem', () => {
    const compiled = compileFlag(wireFlag())
    expect(compiled.problem).toBeNull()
    expect(compiled.key).toBe('checkout')
    expect(compiled.version).toBe(3)
    expect(compiled.kind).toBe('string')
    expect(generalPlan(generalFlag()).saltPrefix).toBe('checkout-salt.')
  })

  it('splits dotted attribute paths and keeps `key` as a one-step path', () => {
    const compiled = compileFlag(
      wireFlag({
        rules: [
          {
            id: 'r',
            clauses: [
              { attribute: 'device.os', op: 'in', values: ['ios'], negate: false },
              { attribute: 'key', op: 'in', values: ['u'], negate: false },
            ],
            serve: { variation: 1 },
          },
        ],
      }),
    )
    expect(generalPlan(compiled).rules[0]!.clauses.map((c) => c.path)).toEqual([
      ['device', 'os'],
      ['key'],
    ])
  })

  it('keeps short in lists as arrays and turns long ones into a Set', () => {
    const short = Array.from({ length: IN_SET_CUTOFF }, (_, i) => `v${i}`)
    const long = [...short, 'extra']
    const compiled = compileFlag(
      wireFlag({
        rules: [
          {
            id: 'r',
            clauses: [
              { attribute: 'a', op: 'in', values: short, negate: false },
              { attribute: 'b', op: 'in', values: long, negate: false },
              { attribute: 'c', op: 'startsWith', values: long, negate: false },
            ],
            serve: { variation: 1 },
          },
        ],
      }),
    )
    const [a, b, c] = generalPlan(compiled).rules[0]!.clauses
    expect(a!.opcode).toBe(OP_IN_LIST)
    expect(a!.valueSet).toBeNull()
    expect(b!.opcode).toBe(OP_IN_SET)
    expect(b!.valueSet?.has('extra')).toBe(true)
    expect(c!.opcode).toBe(OP_STARTS_WITH)
    expect(c!.valueSet).toBeNull()
  })

  it('builds matches patterns, timestamps and versions once, at compile time', () => {
    const compiled = compileFlag(
      wireFlag({
        rules: [
          {
            id: 'r',
            clauses: [
              { attribute: 'email', op: 'matches', values: ['@example\\.com$'], negate: false },
              {
                attribute: 'signup',
                op: 'before',
                values: ['2024-06-30T14:00:00+02:00', '2024-01-01', 5],
                negate: false,
              },
              { attribute: 'app', op: 'semVerLessThan', values: ['v2.1-rc.1+b7'], negate: false },
            ],
            serve: { variation: 1 },
          },
        ],
      }),
    )
    const [matches, before, semVer] = generalPlan(compiled).rules[0]!.clauses
    expect(matches!.opcode).toBe(OP_MATCHES)
    expect(matches!.patterns).toEqual([/@example\.com$/])
    expect(matches!.patterns![0]!.flags).toBe('')
    expect(before!.opcode).toBe(OP_BEFORE)
    expect(before!.values).toEqual([Date.UTC(2024, 5, 30, 12), Date.UTC(2024, 0, 1), 5])
    expect(before!.patterns).toBeNull()
    expect(semVer!.versions).toEqual([{ major: 2, minor: 1, patch: 0, prerelease: 'rc.1' }])
  })

  it('lists the segments a flag refers to, each once', () => {
    const segmentClause = (values: string[]) => ({
      attribute: 'key',
      op: 'segmentMatch' as const,
      values,
      negate: false,
    })
    const compiled = compileFlag(
      wireFlag({
        rules: [
          { id: 'a', clauses: [segmentClause(['beta', 'staff'])], serve: { variation: 1 } },
          { id: 'b', clauses: [segmentClause(['staff', 'vip'])], serve: { variation: 2 } },
        ],
      }),
    )
    expect(compiled.segmentKeys).toEqual(['beta', 'staff', 'vip'])
    expect(compileFlag(wireFlag()).segmentKeys).toEqual([])
  })

  it('precomputes cumulative rollout thresholds in an Int32Array', () => {
    const compiled = compileFlag(
      wireFlag({
        fallthrough: { rollout: { weights: [20_000, 30_000, 50_000], bucketBy: 'org.id' } },
      }),
    )
    const plan = generalPlan(compiled)
    const thresholds = plan.fallthrough.thresholds
    expect(thresholds).toBeInstanceOf(Int32Array)
    expect(Array.from(thresholds ?? [])).toEqual([20_000, 50_000, 100_000])
    expect(plan.fallthrough.bucketBy).toEqual(['org', 'id'])
    expect(plan.fallthroughReason).toEqual({ kind: 'FALLTHROUGH', inRollout: true })
  })

  it('buckets rollouts by the context key when bucketBy is absent', () => {
    const compiled = compileFlag(
      wireFlag({ fallthrough: { rollout: { weights: [0, 0, 100_000] } } }),
    )
    expect(generalPlan(compiled).fallthrough.bucketBy).toEqual(['key'])
  })

  it('maps every target key to its variation, the first target winning', () => {
    const compiled = compileFlag(
      wireFlag({
        targets: [
          { variation: 1, values: ['alice', 'bob'] },
          { variation: 2, values: ['bob', 'carol'] },
        ],
      }),
    )
    expect(generalPlan(compiled).targets).toEqual(
      new Map([
        ['alice', 1],
        ['bob', 1],
        ['carol', 2],
      ]),
    )
    expect(generalPlan(generalFlag()).targets).toBeNull()
  })

  it('builds one frozen RULE_MATCH reason per rule', () => {
    const compiled = compileFlag(
      wireFlag({
        rules: [
          { id: 'fixed', clauses: [], serve: { variation: 1 } },
          { id: 'rolled', clauses: [], serve: { rollout: { weights: [50_000, 50_000, 0] } } },
        ],
      }),
    )
    const [fixed, rolled] = generalPlan(compiled).rules
    expect(fixed!.reason).toEqual({ kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'fixed' })
    expect(rolled!.reason).toEqual({
      kind: 'RULE_MATCH',
      ruleIndex: 1,
      ruleId: 'rolled',
      inRollout: true,
    })
    expect(Object.isFrozen(fixed!.reason)).toBe(true)
  })

  it('deep-freezes copies of the variations and leaves the wire flag untouched', () => {
    const variations: JsonValue[] = [{ theme: 'dark', sizes: [1, 2] }, { theme: 'light' }]
    const wire = wireFlag({ kind: 'json', variations })
    const before = JSON.stringify(wire)
    const compiled = compileFlag(wire)
    const first = compiled.variations[0] as { sizes: number[] }
    expect(compiled.variations).toEqual(variations)
    expect(first).not.toBe(variations[0])
    expect(Object.isFrozen(first) && Object.isFrozen(first.sizes)).toBe(true)
    expect(Object.isFrozen(variations[0])).toBe(false)
    expect(JSON.stringify(wire)).toBe(before)
  })

  it('keeps a "__proto__" key of a JSON variation as data', () => {
    const variation = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    const compiled = compileFlag(wireFlag({ kind: 'json', variations: [variation as never] }))
    const value = compiled.variations[0] as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value)).toEqual(['__proto__'])
  })

  it.each([
    {
      label: 'an offVariation out of range',
      flag: { offVariation: 3 },
      problem: 'offVariation: variation index 3 is not an integer in [0, 3)',
    },
    {
      label: 'a target variation out of range',
      flag: { targets: [{ variation: -1, values: ['u'] }] },
      problem: 'targets.0.variation: variation index -1 is not an integer in [0, 3)',
    },
    {
      label: 'weights not summing to 100000',
      flag: { fallthrough: { rollout: { weights: [1, 2, 3] } } },
      problem: 'fallthrough.rollout.weights: must sum to 100000, got 6',
    },
    {
      label: 'an unknown operator',
      flag: {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'a', op: 'like', values: [], negate: false }],
            serve: { variation: 0 },
          },
        ],
      },
      problem: 'rules.0.clauses.0.op: unknown operator "like"',
    },
    {
      label: 'an invalid matches pattern',
      flag: {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'a', op: 'matches', values: ['^ok', '(open'], negate: false }],
            serve: { variation: 0 },
          },
        ],
      },
      problem:
        'rules.0.clauses.0.values.1: invalid regular expression "(open": ' +
        'Invalid regular expression: /(open/: Unterminated group',
    },
    {
      label: 'an invalid semantic version',
      flag: {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'a', op: 'semVerEqual', values: ['1.02.0'], negate: false }],
            serve: { variation: 0 },
          },
        ],
      },
      problem: 'rules.0.clauses.0.values.0: invalid semantic version "1.02.0"',
    },
    {
      label: 'a timestamp without an offset',
      flag: {
        rules: [
          {
            id: 'r',
            clauses: [
              { attribute: 'a', op: 'before', values: ['2025-01-31T12:00:00'], negate: false },
            ],
            serve: { variation: 0 },
          },
        ],
      },
      problem:
        'rules.0.clauses.0.values.0: invalid timestamp "2025-01-31T12:00:00" ' +
        '(want e.g. "2025-01-31T12:00:00Z")',
    },
    {
      label: 'an empty segment key',
      flag: {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'key', op: 'segmentMatch', values: [''], negate: false }],
            serve: { variation: 0 },
          },
        ],
      },
      problem:
        'rules.0.clauses.0.values.0: operator "segmentMatch" needs segment key string values, ' +
        'got ""',
    },
    {
      label: 'a clause value of the wrong type',
      flag: {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'a', op: 'greaterThan', values: [1, '2'], negate: false }],
            serve: { variation: 0 },
          },
        ],
      },
      problem: 'rules.0.clauses.0.values.1: operator "greaterThan" needs number values, got "2"',
    },
    {
      label: 'a variation of the wrong kind',
      flag: { kind: 'number', variations: [1, '2'] },
      problem: 'variations.1: must be a number',
    },
    {
      label: 'a missing prerequisites array',
      flag: { prerequisites: undefined },
      problem: 'prerequisites: must be an array',
    },
  ] as { label: string; flag: Record<string, unknown>; problem: string }[])(
    'compiles a flag with $label to a malformed flag that says where',
    ({ flag, problem }) => {
      const compiled = compileFlag(wireFlag(flag as Partial<WireFlag>))
      expect(compiled.problem).toBe(problem)
      expect(compiled.key).toBe('checkout')
      expect(compiled.on).toBe(false)
    },
  )

  it('never throws, whatever it is given', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom')
        },
      },
    )
    const inputs: unknown[] = [null, undefined, 42, 'flag', [], {}, hostile]
    inputs.push(wireFlag({ kind: 'json', variations: [circular as never] }))
    for (const input of inputs) {
      const compiled = compileFlag(input as WireFlag)
      expect(compiled.problem).toEqual(expect.any(String))
    }
  })

  it('gives valid and malformed flags the same field layout', () => {
    const valid = compileFlag(wireFlag())
    const malformed = compileFlag(wireFlag({ offVariation: 9 }))
    expect(Object.keys(malformed)).toEqual(Object.keys(valid))
    expect(malformed.planKind).toBe(valid.planKind)
    expect(Object.keys(malformed.plan)).toEqual(Object.keys(valid.plan))
    const plan = generalPlan(
      generalFlag({ rules: [{ id: 'r', clauses: [], serve: { variation: 1 } }] }),
    )
    expect(Object.keys(plan.rules[0]!.serve)).toEqual(Object.keys(plan.fallthrough))
  })
})
