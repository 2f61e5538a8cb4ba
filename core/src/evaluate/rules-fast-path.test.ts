import { isDeepStrictEqual } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { createRandom, type Random } from '../../test/random.js'
import { referenceVariationDetail } from '../../test/reference-evaluator.js'
import { compileFlag } from '../compile/compile-flag.js'
import { compileSegment } from '../compile/compile-segment.js'
import type { CompiledFlag, CompiledSegment, GeneralPlan } from '../compile/types.js'
import type { Context } from '../model/context.js'
import type { Clause, Operator, Rule, WireFlag } from '../model/flag.js'
import type { JsonValue } from '../model/json.js'
import type { WireSegment } from '../model/segment.js'
import { evaluate } from './evaluate.js'
import { createFlagStore } from './store.js'

// The attribute slots (one read per path per evaluation) and the rule index (rules of
// non-negated `in` clauses decided by bit masks) against the reference evaluator, plus the cases
// the random generator in core/test cannot reach: re-entrant evaluation, stamp wrap-around and
// allocation.

function wireFlag(key: string, rules: Rule[], overrides: Partial<WireFlag> = {}): WireFlag {
  return {
    key,
    kind: 'number',
    variations: [0, 1, 2, 3, 4],
    clientSide: false,
    version: 1,
    on: true,
    offVariation: 0,
    targets: [],
    rules,
    fallthrough: { variation: 4 },
    prerequisites: [],
    salt: `${key}-salt`,
    ...overrides,
  }
}

const none = (): CompiledFlag | undefined => undefined

/** Whether the flag's rules are decided by a rule index: in its general plan, or as its plan. */
function hasRuleIndex(flag: CompiledFlag): boolean {
  if (flag.planKind === 'general') return flag.plan.index !== null
  return flag.planKind === 'direct-index' || flag.planKind === 'single-index'
}

function generalPlan(flag: CompiledFlag): GeneralPlan {
  if (flag.planKind !== 'general') throw new Error(`plan is ${flag.planKind}, not general`)
  return flag.plan
}

const ATTRIBUTES = ['country', 'plan', 'tier', 'device.os', 'key', 'age']
const VALUES: JsonValue[] = [
  'NL',
  'DE',
  'FR',
  'US',
  'pro',
  'free',
  'ios',
  'u0',
  'u1',
  1,
  2,
  0,
  true,
]

function randomInClause(r: Random, attribute: string): Clause {
  const count = r.chance(0.1) ? r.int(9, 12) : r.int(0, 4) // long lists compile to a Set
  const values: JsonValue[] = []
  for (let i = 0; i < count; i++) values.push(r.pick(VALUES))
  if (r.chance(0.08)) return { attribute, op: 'in', values, negate: true }
  if (r.chance(0.05)) {
    const op = r.pick<Operator>(['startsWith', 'lessThan', 'segmentMatch'])
    if (op === 'startsWith') return { attribute, op, values: ['N', 'p'], negate: false }
    if (op === 'lessThan') return { attribute, op, values: [2], negate: r.chance(0.5) }
    return { attribute, op, values: [r.pick(['s0', 's1', 'missing'])], negate: false }
  }
  return { attribute, op: 'in', values, negate: false }
}

function randomRules(r: Random): Rule[] {
  const rules: Rule[] = []
  // Up to 40 rules: the index covers the first 30, the rest are checked clause by clause.
  const count = r.chance(0.2) ? r.int(25, 40) : r.int(1, 8)
  for (let i = 0; i < count; i++) {
    const clauses: Clause[] = []
    for (let j = r.chance(0.05) ? 0 : r.int(1, 3); j > 0; j--) {
      // Sometimes the same attribute twice in one rule (the index cannot decide such a rule).
      clauses.push(randomInClause(r, r.pick(ATTRIBUTES)))
    }
    const serve = r.chance(0.15)
      ? { rollout: { weights: [20_000, 20_000, 20_000, 20_000, 20_000] } }
      : { variation: r.int(0, 3) }
    rules.push({ id: `r${i}`, clauses, serve })
  }
  return rules
}

function randomAttribute(r: Random): unknown {
  if (r.chance(0.1)) return undefined
  if (r.chance(0.05)) return null
  if (r.chance(0.1)) return [r.pick(VALUES), r.pick(VALUES), null]
  if (r.chance(0.03)) return []
  if (r.chance(0.03)) return { nested: 'NL' }
  return r.pick(VALUES)
}

function randomContext(r: Random): Context {
  const context: Context = { key: r.pick(['u0', 'u1', 'u2']) }
  for (const name of ['country', 'plan', 'tier', 'age']) {
    const value = randomAttribute(r)
    if (value !== undefined) context[name] = value
  }
  if (r.chance(0.5)) context.device = r.chance(0.9) ? { os: randomAttribute(r) } : 'ios'
  return context
}

const SEGMENTS: WireSegment[] = [
  { key: 's0', version: 1, included: ['u0'], excluded: [], rules: [], salt: 's0' },
  {
    key: 's1',
    version: 1,
    included: [],
    excluded: ['u0'],
    rules: [
      {
        id: 'r',
        clauses: [
          { attribute: 'country', op: 'in', values: ['NL', 'DE'], negate: false },
          { attribute: 'plan', op: 'in', values: ['pro'], negate: false },
        ],
      },
      { id: 'r2', clauses: [{ attribute: 'country', op: 'in', values: ['US'], negate: false }] },
    ],
    salt: 's1',
  },
]

describe('attribute slots and the rule index', () => {
  it.each([1, 2, 3, 4])(
    'agree with the reference evaluator on in-heavy flags (seed %i)',
    (seed) => {
      const r = createRandom(seed * 7919)
      let indexed = 0
      let matched = 0
      for (let round = 0; round < 150; round++) {
        const flags = [wireFlag('f', randomRules(r)), wireFlag('g', randomRules(r))]
        const store = createFlagStore()
        store.put(round, flags, SEGMENTS)
        if (hasRuleIndex(store.get('f')!)) indexed++
        for (let c = 0; c < 20; c++) {
          const context = randomContext(r)
          const key = r.pick(['f', 'g'])
          const expected = referenceVariationDetail(flags, key, context, null, SEGMENTS)
          const actual = store.variationDetail(key, context, null)
          if (!isDeepStrictEqual(actual, expected)) {
            expect(actual, JSON.stringify({ seed, round, key, context, flags })).toStrictEqual(
              expected,
            )
          }
          if (expected.reason.kind === 'RULE_MATCH') matched++
        }
      }
      // The generator must exercise the index and make rules match, or this proves little.
      expect(indexed).toBeGreaterThan(50)
      expect(matched).toBeGreaterThan(500)
    },
  )

  it.each([1, 2, 3])(
    'agree with the reference evaluator on many-rule flags the direct index loop decides (seed %i)',
    (seed) => {
      const r = createRandom(seed * 104_729)
      let directIndex = 0
      let single = 0
      let late = 0
      for (let round = 0; round < 100; round++) {
        const rules: Rule[] = []
        // A quarter of the flags have one clause per rule (the single-clause index loop).
        const oneClause = round % 4 === 0
        for (let i = r.int(8, 30); i > 0; i--) {
          const clauses: Clause[] = []
          const attributes = oneClause
            ? [r.pick(['country', 'plan', 'tier', 'age'])]
            : ['country', 'plan', 'tier', 'age'].filter(() => r.chance(0.4))
          for (const attribute of attributes) {
            const values: JsonValue[] = []
            for (let k = r.int(1, 4); k > 0; k--) values.push(r.pick(VALUES))
            clauses.push({ attribute, op: 'in', values, negate: false })
          }
          rules.push({ id: `r${rules.length}`, clauses, serve: { variation: r.int(0, 3) } })
        }
        const flags = [wireFlag('f', rules)]
        const store = createFlagStore()
        store.put(round, flags, SEGMENTS)
        const kind = store.get('f')!.planKind
        if (kind === 'direct-index' || kind === 'single-index') directIndex++
        if (kind === 'single-index') single++
        for (let c = 0; c < 20; c++) {
          const context = randomContext(r)
          const expected = referenceVariationDetail(flags, 'f', context, null, SEGMENTS)
          const actual = store.variationDetail('f', context, null)
          if (!isDeepStrictEqual(actual, expected)) {
            expect(actual, JSON.stringify({ seed, round, context, flags })).toStrictEqual(expected)
          }
          expect(store.variation('f', context, null)).toStrictEqual(expected.value)
          if (expected.reason.kind === 'RULE_MATCH' && expected.reason.ruleIndex >= 8) late++
        }
      }
      expect(directIndex).toBeGreaterThan(90)
      expect(single).toBeGreaterThan(20)
      expect(late).toBeGreaterThan(20)
    },
  )

  it('indexes only rules that share an attribute, and decides them like the clause loop', () => {
    const inClause = (attribute: string, values: JsonValue[]): Clause => ({
      attribute,
      op: 'in',
      values,
      negate: false,
    })
    const single = compileFlag(
      wireFlag('f', [
        {
          id: 'a',
          clauses: [inClause('country', ['NL']), inClause('plan', ['pro'])],
          serve: { variation: 1 },
        },
      ]),
    )
    expect(hasRuleIndex(single)).toBe(false)
    expect(single.planKind).toBe('program')
    const shared = compileFlag(
      wireFlag('f', [
        { id: 'a', clauses: [inClause('country', ['X'])], serve: { variation: 1 } },
        {
          id: 'b',
          clauses: [inClause('plan', ['pro']), inClause('country', ['NL'])],
          serve: { variation: 2 },
        },
        { id: 'c', clauses: [inClause('country', ['NL', 'DE'])], serve: { variation: 3 } },
      ]),
    )
    expect(shared.planKind).toBe('direct-index')
    const ruleOf = (context: Context): unknown => evaluate(shared, context, none).reason
    expect(ruleOf({ key: 'u', country: 'NL', plan: 'pro' })).toMatchObject({ ruleId: 'b' })
    expect(ruleOf({ key: 'u', country: 'NL', plan: 'free' })).toMatchObject({ ruleId: 'c' })
    expect(ruleOf({ key: 'u', country: ['FR', 'X'] })).toMatchObject({ ruleId: 'a' })
    expect(ruleOf({ key: 'u', country: ['FR', 'DE'], plan: ['pro'] })).toMatchObject({
      ruleId: 'c',
    })
    expect(ruleOf({ key: 'u', plan: 'pro' })).toStrictEqual({ kind: 'FALLTHROUGH' })
  })

  it('reads each attribute once per evaluation, and never one a failed rule no longer needs', () => {
    const flag = compileFlag(
      wireFlag('f', [
        {
          id: 'a',
          clauses: [{ attribute: 'country', op: 'in', values: ['X'], negate: false }],
          serve: { variation: 1 },
        },
        {
          id: 'b',
          clauses: [{ attribute: 'country', op: 'startsWith', values: ['N'], negate: true }],
          serve: { variation: 2 },
        },
        {
          id: 'c',
          clauses: [{ attribute: 'country', op: 'in', values: ['NL'], negate: false }],
          serve: { variation: 3 },
        },
      ]),
    )
    const reads: string[] = []
    const context = {
      key: 'u',
      get country(): string {
        reads.push('country')
        return 'NL'
      },
    }
    expect(evaluate(flag, context, none).reason).toMatchObject({ ruleId: 'c' })
    expect(reads).toEqual(['country'])
    expect(evaluate(flag, context, none).reason).toMatchObject({ ruleId: 'c' })
    expect(reads).toEqual(['country', 'country'])
  })

  it('stays correct when a getter evaluates the same flag for another context mid-evaluation', () => {
    const inClause = (attribute: string, values: JsonValue[]): Clause => ({
      attribute,
      op: 'in',
      values,
      negate: false,
    })
    const rules: Rule[] = [
      { id: 'a', clauses: [inClause('country', ['X'])], serve: { variation: 1 } },
      {
        id: 'b',
        clauses: [inClause('plan', ['pro']), inClause('country', ['DE'])],
        serve: { variation: 2 },
      },
      // Negated: checked clause by clause, reading the cached country and plan slots.
      {
        id: 'c',
        clauses: [{ ...inClause('plan', ['free']), negate: true }, inClause('country', ['NL'])],
        serve: { variation: 3 },
      },
    ]
    const flags = [wireFlag('f', rules)]
    const store = createFlagStore()
    store.put(1, flags)
    const other = { key: 'v', country: 'DE', plan: 'pro' }
    let inner: unknown = null
    const context = {
      key: 'u',
      country: 'NL',
      get plan(): string {
        if (inner === null) inner = store.variationDetail('f', other, null)
        return 'team'
      },
    }
    const plain = { key: 'u', country: 'NL', plan: 'team' }
    expect(store.variationDetail('f', context, null)).toStrictEqual(
      referenceVariationDetail(flags, 'f', plain, null),
    )
    expect(inner).toStrictEqual(referenceVariationDetail(flags, 'f', other, null))

    // The same through a segment lookup that re-enters evaluate() on the same flag.
    const withSegment = compileFlag(
      wireFlag('s', [
        { id: 'x', clauses: [inClause('country', ['US'])], serve: { variation: 1 } },
        {
          id: 'y',
          clauses: [
            { attribute: 'key', op: 'segmentMatch', values: ['seg'], negate: false },
            inClause('country', ['NL']),
          ],
          serve: { variation: 2 },
        },
      ]),
    )
    const seg = compileSegment({
      key: 'seg',
      version: 1,
      included: ['u'],
      excluded: [],
      rules: [],
      salt: 's',
    })
    const lookup = (): CompiledSegment | undefined => {
      evaluate(withSegment, { key: 'w', country: 'US' }, none)
      return seg
    }
    const detail = evaluate(withSegment, { key: 'u', country: 'NL' }, none, lookup)
    expect(detail.reason).toMatchObject({ ruleId: 'y' })
  })

  it('never serves a slot cached before the stamp wrapped around', () => {
    // Every path is read by two clause-by-clause rules, so both go through the cache.
    const country: Clause = { attribute: 'country', op: 'in', values: ['NL'], negate: false }
    const flag = compileFlag(
      wireFlag('f', [
        {
          id: 'a',
          clauses: [country, { attribute: 'plan', op: 'in', values: ['pro'], negate: true }],
          serve: { variation: 1 },
        },
        {
          id: 'b',
          clauses: [country, { attribute: 'plan', op: 'startsWith', values: ['p'], negate: false }],
          serve: { variation: 2 },
        },
      ]),
    )
    const cache = generalPlan(flag).cache as { stamp: number }
    for (let i = 0; i < 3; i++) evaluate(flag, { key: 'u' }, none)
    expect(evaluate(flag, { key: 'u', country: 'NL', plan: 'pro' }, none).reason).toMatchObject({
      ruleId: 'b',
    })
    const stampOfPro = cache.stamp
    cache.stamp = 0x3fffffff // the next evaluation wraps around (and does not read `plan`)
    expect(evaluate(flag, { key: 'u', country: 'DE' }, none).reason.kind).toBe('FALLTHROUGH')
    cache.stamp = stampOfPro - 1 // the next evaluation reuses the stamp `plan: 'pro'` was read at
    expect(evaluate(flag, { key: 'u', country: 'NL', plan: 'free' }, none).reason).toMatchObject({
      ruleId: 'a',
    })
  })
})

describe('store.variation allocation', () => {
  it('allocates nothing on rule, index, segment, prerequisite and rollout paths', () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const inClause = (attribute: string, values: JsonValue[]): Clause => ({
      attribute,
      op: 'in',
      values,
      negate: false,
    })
    const tenRules: Rule[] = Array.from({ length: 10 }, (_, i) => ({
      id: `r${i}`,
      clauses: [
        inClause(i % 2 === 0 ? 'country' : 'plan', [`X${i}`, `Y${i}`, i === 9 ? 'NL' : 'Z']),
      ],
      serve: { variation: 1 },
    }))
    const flags = [
      wireFlag('ten', tenRules),
      wireFlag('two', [
        {
          id: 'r',
          clauses: [inClause('country', ['NL', 'DE']), inClause('plan', ['pro'])],
          serve: { variation: 1 },
        },
      ]),
      wireFlag('mixed', [
        {
          id: 'n',
          clauses: [{ ...inClause('plan', ['free']), negate: true }, inClause('country', ['NL'])],
          serve: { variation: 2 },
        },
        {
          id: 's',
          clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['s1'], negate: false }],
          serve: { variation: 3 },
        },
        ...tenRules,
      ]),
      wireFlag('prereq', [], {
        prerequisites: [{ flag: 'ten', variation: 1 }],
        fallthrough: { rollout: { weights: [50_000, 50_000, 0, 0, 0] } },
      }),
      // Fractional values: served from an array V8 must not store as unboxed doubles, or every
      // load would box a new HeapNumber.
      wireFlag('fraction', [], {
        variations: [0.5, 1.5],
        fallthrough: { rollout: { weights: [50_000, 50_000] } },
      }),
    ]
    const store = createFlagStore()
    store.put(1, flags, SEGMENTS)
    const contexts: Context[] = []
    for (let i = 0; i < 1000; i++) {
      contexts.push({
        key: `user-${i}`,
        country: ['NL', 'DE', 'US', 'X0'][i % 4]!,
        plan: ['pro', 'free', 'Y1'][i % 3]!,
      })
    }
    // why: counts, not a sum of the values: adding 0.5s makes `sum` a double, which allocates a
    // HeapNumber per iteration whenever this loop still runs unoptimized (seen under load)
    const run = (key: string, n: number): number => {
      let count = 0
      for (let i = 0; i < n; i++) {
        if (store.variation(key, contexts[i % contexts.length]!, -1) > 1) count++
      }
      return count
    }
    for (const key of ['ten', 'two', 'mixed', 'prereq', 'fraction']) {
      run(key, 50_000) // warm up, so the measurement sees optimized code
      let perEvaluation = Infinity
      for (let attempt = 0; attempt < 5 && perEvaluation >= 1; attempt++) {
        gc()
        const before = process.memoryUsage().heapUsed
        run(key, 20_000)
        const after = process.memoryUsage().heapUsed
        // A scavenge during the sample makes the difference meaningless (negative): try again.
        if (after >= before) perEvaluation = (after - before) / 20_000
      }
      expect(perEvaluation, key).toBeLessThan(1)
    }
  })
})

describe('the plans other than the general one (compile/plan.ts)', () => {
  const inRule = (id: string, attribute: string, values: JsonValue[], variation: number): Rule => ({
    id,
    clauses: [{ attribute, op: 'in', values, negate: false }],
    serve: { variation },
  })
  // One flag of each plan but the general one, and one the general plan keeps (targets).
  const flags: WireFlag[] = [
    wireFlag('off', [inRule('r0', 'country', ['NL'], 1)], { on: false, offVariation: 2 }),
    wireFlag('plain', []),
    wireFlag('rules', [
      {
        id: 'r0',
        clauses: [
          { attribute: 'country', op: 'in', values: ['NL', 'DE', 3], negate: false },
          { attribute: 'plan', op: 'in', values: ['pro', true], negate: false },
        ],
        serve: { variation: 1 },
      },
    ]),
    wireFlag('index', [
      inRule('r0', 'country', ['X0'], 1),
      inRule('r1', 'plan', ['free'], 2),
      inRule('r2', 'country', ['NL', 'DE'], 3),
    ]),
    wireFlag('index2', [
      inRule('r0', 'country', ['X0', 3], 1),
      {
        id: 'r1',
        clauses: [
          { attribute: 'plan', op: 'in', values: ['pro', true], negate: false },
          { attribute: 'country', op: 'in', values: ['NL', 'FR'], negate: false },
        ],
        serve: { variation: 2 },
      },
      inRule('r2', 'plan', ['free'], 3),
    ]),
    wireFlag('targets', [inRule('r0', 'country', ['NL'], 1)], {
      targets: [{ variation: 3, values: ['u9'] }],
    }),
  ]

  it('are chosen at compile time for the flags they can decide, and only for those', () => {
    const store = createFlagStore()
    store.put(1, flags)
    const kinds = flags.map((f) => store.get(f.key)!.planKind)
    expect(kinds).toEqual(['fixed', 'fixed', 'program', 'single-index', 'direct-index', 'general'])
    const malformed = compileFlag({ ...flags[2]!, fallthrough: { variation: 9 } })
    expect(malformed.problem).not.toBeNull()
    expect(malformed.planKind).toBe('fixed')
    expect(malformed.plan).toEqual({
      variation: -1,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    })
  })

  const plain = (attributes: Record<string, unknown>): Context => ({ key: 'u1', ...attributes })
  const contexts: unknown[] = [
    plain({ country: 'NL', plan: 'pro' }),
    plain({ country: 'DE', plan: true }),
    plain({ country: 3, plan: 'pro' }),
    plain({ country: ['US', 'NL'], plan: ['x', 'pro'] }),
    plain({ country: 'X0', plan: 'free' }),
    plain({ country: 'FR', plan: 'free' }),
    plain({ country: null, plan: undefined }),
    plain({ country: '3', plan: 'true' }),
    plain({}),
    { key: 'u9', country: 'NL', plan: 'pro' },
    Object.assign(Object.create(null) as object, { key: 'u1', country: 'NL', plan: 'pro' }),
    Object.assign(['NL'], { key: 'u1', country: 'NL', plan: 'pro' }),
    new Proxy({ key: 'u1', country: 'NL', plan: 'pro' }, {}),
    Object.assign(Object.create({ country: 'NL' }) as object, { key: 'u1', plan: 'pro' }),
    { key: 7, country: 'NL', plan: 'pro' },
    { country: 'NL', plan: 'pro' },
    null,
    'u1',
  ]

  it('serves what the general path serves, for every kind of context', () => {
    const store = createFlagStore()
    store.put(1, flags)
    for (const flag of flags) {
      for (const [i, context] of contexts.entries()) {
        const expected = referenceVariationDetail(flags, flag.key, context, -1, [])
        const where = `${flag.key}, context ${i}`
        expect(store.variationDetail(flag.key, context as Context, -1), where).toEqual(expected)
        expect(store.variation(flag.key, context as Context, -1), where).toBe(expected.value)
      }
    }
  })

  it('still serves the fallback for a value of another type, and before the first put', () => {
    const store = createFlagStore()
    store.upsert(1, flags[2]!)
    expect(store.variation('rules', plain({ country: 'NL', plan: 'pro' }), -1)).toBe(-1)
    store.put(2, flags)
    expect(store.variation('rules', plain({ country: 'NL', plan: 'pro' }), -1)).toBe(1)
    expect(store.variation('rules', plain({ country: 'NL', plan: 'pro' }), 'x')).toBe('x')
    expect(store.variation('index', plain({ country: 'NL' }), false)).toBe(false)
    expect(store.variation('off', plain({}), null)).toBe(2)
  })

  it("reads a context's key once, as the general path does", () => {
    const store = createFlagStore()
    store.put(1, flags)
    for (const flag of flags) {
      let reads = 0
      const counting = {
        get key(): unknown {
          return reads++ === 0 ? 7 : 'u1'
        },
      }
      expect(store.variation(flag.key, counting as Context, -1), flag.key).toBe(-1)
      expect(reads, flag.key).toBe(1)
    }
  })

  it('serves the fallback when a getter throws', () => {
    const store = createFlagStore()
    store.put(1, flags)
    const throwing = {
      key: 'u1',
      get country(): string {
        throw new Error('boom')
      },
    }
    for (const key of ['rules', 'index']) {
      expect(store.variation(key, throwing as Context, -1)).toBe(-1)
      expect(store.variationDetail(key, throwing as Context, -1).reason).toEqual({
        kind: 'ERROR',
        errorKind: 'MALFORMED_FLAG',
      })
    }
  })
})
