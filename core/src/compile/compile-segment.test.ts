import { describe, expect, it } from 'vitest'
import type { WireSegment } from '../model/segment.js'
import { compileSegment } from './compile-segment.js'
import { OP_IN_LIST } from './operators.js'

function wireSegment(overrides: Partial<WireSegment> = {}): WireSegment {
  return {
    key: 'beta',
    version: 4,
    included: ['alice'],
    excluded: ['mallory'],
    rules: [],
    salt: 'beta-salt',
    ...overrides,
  }
}

describe('compileSegment', () => {
  it('compiles a valid segment with its key lists as Sets', () => {
    const compiled = compileSegment(
      wireSegment({
        rules: [
          {
            id: 'nl',
            clauses: [{ attribute: 'geo.country', op: 'in', values: ['NL'], negate: false }],
            weight: 25_000,
            bucketBy: 'org.id',
          },
          { id: 'all', clauses: [] },
        ],
      }),
    )
    expect(compiled.problem).toBeNull()
    expect(compiled.key).toBe('beta')
    expect(compiled.version).toBe(4)
    expect(compiled.included).toEqual(new Set(['alice']))
    expect(compiled.excluded).toEqual(new Set(['mallory']))
    expect(compiled.saltPrefix).toBe('beta-salt.')
    const [weighted, all] = compiled.rules
    expect(weighted!.clauses[0]!.opcode).toBe(OP_IN_LIST)
    expect(weighted!.clauses[0]!.path).toEqual(['geo', 'country'])
    expect(weighted!.weight).toBe(25_000)
    expect(weighted!.bucketBy).toEqual(['org', 'id'])
    expect(all!.weight).toBe(-1)
    expect(all!.bucketBy).toEqual(['key'])
  })

  it('stores empty key lists as null', () => {
    const compiled = compileSegment(wireSegment({ included: [], excluded: [] }))
    expect(compiled.included).toBeNull()
    expect(compiled.excluded).toBeNull()
  })

  it('accepts a rule without an id, since segment matches report no rule', () => {
    const rule = { clauses: [] } as unknown as WireSegment['rules'][number]
    expect(compileSegment(wireSegment({ rules: [rule] })).rules[0]!.id).toBe('')
  })

  it.each([
    {
      label: 'a segmentMatch clause in a rule',
      segment: {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['other'], negate: false }],
          },
        ],
      },
      problem: 'rules.0.clauses.0.op: segment rules cannot use segmentMatch (segments do not nest)',
    },
    {
      label: 'a weight above BUCKET_SCALE',
      segment: { rules: [{ id: 'r', clauses: [], weight: 100_001 }] },
      problem: 'rules.0.weight: must be an integer in [0, 100000], got 100001',
    },
    {
      label: 'a fractional weight',
      segment: { rules: [{ id: 'r', clauses: [], weight: 0.5 }] },
      problem: 'rules.0.weight: must be an integer in [0, 100000], got 0.5',
    },
    {
      label: 'an included key that is not a string',
      segment: { included: ['alice', 7] },
      problem: 'included.1: must be a string (a context key)',
    },
    {
      label: 'no excluded array',
      segment: { excluded: undefined },
      problem: 'excluded: must be an array',
    },
    {
      label: 'an invalid pattern in a rule',
      segment: {
        rules: [
          { id: 'r', clauses: [{ attribute: 'e', op: 'matches', values: ['['], negate: false }] },
        ],
      },
      problem:
        'rules.0.clauses.0.values.0: invalid regular expression "[": ' +
        'Invalid regular expression: /[/: Unterminated character class',
    },
    {
      label: 'an empty bucketBy path segment',
      segment: { rules: [{ id: 'r', clauses: [], bucketBy: 'org..id' }] },
      problem: 'rules.0.bucketBy: empty segment in attribute path "org..id"',
    },
    { label: 'no salt', segment: { salt: undefined }, problem: 'salt: must be a string' },
    { label: 'an empty key', segment: { key: '' }, problem: 'key: must be a non-empty string' },
  ] as { label: string; segment: Record<string, unknown>; problem: string }[])(
    'compiles a segment with $label to a malformed segment that says where',
    ({ segment, problem }) => {
      const compiled = compileSegment(wireSegment(segment as Partial<WireSegment>))
      expect(compiled.problem).toBe(problem)
      expect(compiled.included).toBeNull()
      expect(compiled.rules).toEqual([])
    },
  )

  it('never throws, whatever it is given', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom')
        },
      },
    )
    for (const input of [null, undefined, 42, 'segment', [], {}, hostile]) {
      expect(compileSegment(input as WireSegment).problem).toEqual(expect.any(String))
    }
  })

  it('gives valid and malformed segments the same field layout', () => {
    const valid = compileSegment(wireSegment())
    const malformed = compileSegment(wireSegment({ salt: undefined as unknown as string }))
    expect(Object.keys(malformed)).toEqual(Object.keys(valid))
  })
})
