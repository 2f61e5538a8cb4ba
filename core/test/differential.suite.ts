// The differential suite: seeded random flags, segments and contexts through the compiled
// evaluator (the public FlagStore) and the reference evaluator, which must agree exactly.
import { isDeepStrictEqual } from 'node:util'
import { expect } from 'vitest'
import {
  OPERATORS,
  createFlagStore,
  type Clause,
  type Context,
  type JsonValue,
  type Serve,
  type WireFlag,
  type WireSegment,
} from '@switchyard/core'
import { createRandom, type Random } from './random.js'
import { referenceVariationDetail } from './reference-evaluator.js'

const KEYS = ['u0', 'u1', 'u2', 'u3', 'alice', 'bob', 'jürgen', '😀', '', 'k1', 'k2', 'k3']
const COUNTRIES = ['NL', 'BE', 'US', 'nl', 'DE', 'FR', 'JP', 'BR', 'IN', 'CN']
const PLANS = ['free', 'pro', 'enterprise', 'trial']
const ATTRIBUTES = [
  'key',
  'country',
  'plan',
  'age',
  'score',
  'tags',
  'email',
  'device.os',
  'device.version',
  'beta',
  'missing',
  'company.id',
  'version',
  'signup',
]
const STRINGS = ['a', 'ad', 'admin@', '@example.com', 'pro', 'NL', 'ios', 'bot', 'free', 'ü', '']
const PATTERNS = [
  '^a',
  'example\\.com$',
  '[0-9]',
  'ü',
  '^$',
  '^(?:ios|android)$',
  'A|b',
  '.*',
  '^u\\d$',
]
const TIMES: JsonValue[] = [
  '2024-01-01',
  '2024-06-30T12:00:00Z',
  '2024-06-30T14:00:00+02:00',
  '2024-06-30T12:00:00.001Z',
  '2024-06-30T12:00:00.5Z',
  '2024-06-30T12:00:00.4999999Z',
  1_719_748_800_000,
  1_719_748_800_500,
  '1999-12-31T23:59:59.999Z',
  '2000-02-29',
  0,
]
const VERSIONS = [
  '1.0.0',
  '1.2',
  '2',
  'v1.2.3',
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-1',
  '1.0.0-0.3.7',
  '1.0.0-beta.11',
  '1.0.0-beta.2',
  '1.0.0-rc.1+build.5',
  '10.0.0',
  '0.9.9',
]
const SEGMENT_KEYS = ['s0', 's1', 's2', 's3', 's4'] // s4 never exists
const ATTRIBUTE_OPERATORS = OPERATORS.filter((op) => op !== 'segmentMatch')
const FLAG_COUNT = 8
const SEGMENT_COUNT = 4

function randomValue(r: Random, op: string): JsonValue {
  if (op === 'in') {
    return r.pick<JsonValue>([
      r.pick(KEYS),
      r.pick(COUNTRIES),
      r.pick(PLANS),
      r.int(0, 100),
      r.chance(0.5),
      r.pick(STRINGS),
    ])
  }
  if (op.endsWith('With') || op === 'contains') return r.pick(STRINGS)
  if (op === 'matches') return r.pick(PATTERNS)
  if (op === 'before' || op === 'after') return r.pick(TIMES)
  if (op.startsWith('semVer')) return r.pick(VERSIONS)
  if (op === 'segmentMatch') return r.pick(SEGMENT_KEYS)
  return r.int(-5, 105) + (r.chance(0.2) ? 0.5 : 0)
}

// Each operator mostly reads the attributes its values fit, so that clauses match often enough.
const FITTING_ATTRIBUTES: Partial<Record<string, string[]>> = {
  matches: ['email', 'key', 'device.os', 'tags', 'country'],
  before: ['signup'],
  after: ['signup'],
  semVerEqual: ['version'],
  semVerLessThan: ['version'],
  semVerGreaterThan: ['version'],
}

function randomClause(r: Random, segments: boolean): Clause {
  const op = segments && r.chance(0.2) ? 'segmentMatch' : r.pick(ATTRIBUTE_OPERATORS)
  const count = r.chance(0.15) ? r.int(9, 14) : r.int(0, 4) // long lists exercise the Set path
  const values: JsonValue[] = []
  for (let i = 0; i < count; i++) values.push(randomValue(r, op))
  const fitting = FITTING_ATTRIBUTES[op]
  const attribute = fitting !== undefined && r.chance(0.8) ? r.pick(fitting) : r.pick(ATTRIBUTES)
  return { attribute, op, values, negate: r.chance(0.3) }
}

function clause(attribute: string, op: Clause['op'], values: JsonValue[]): Clause {
  return { attribute, op, values, negate: false }
}

// Each mutation makes a valid segment malformed; both evaluators must treat it as unknown.
const SEGMENT_MUTATIONS: ((segment: Record<string, unknown>) => void)[] = [
  (s) => (s.rules = [{ id: 'x', clauses: [clause('key', 'segmentMatch', ['s0'])] }]),
  (s) => (s.rules = [{ id: 'x', clauses: [], weight: 100_001 }]),
  (s) => (s.rules = [{ id: 'x', clauses: [], weight: 0.5 }]),
  (s) => (s.included = ['u0', 7]),
  (s) => delete s.salt,
  (s) => (s.rules = [{ id: 'x', clauses: [clause('v', 'semVerEqual', ['1.2.3.4'])] }]),
  (s) => (s.rules = [{ id: 'x', clauses: [], bucketBy: 'a..b' }]),
]

function randomSegment(r: Random, index: number): WireSegment {
  const rules: WireSegment['rules'] = []
  for (let i = r.int(0, 2); i > 0; i--) {
    const clauses: Clause[] = []
    for (let j = r.int(0, 2); j > 0; j--) clauses.push(randomClause(r, false))
    const rule: WireSegment['rules'][number] = { id: `segment-rule-${i}`, clauses }
    if (r.chance(0.4)) rule.weight = r.pick([0, r.int(0, 100_000), 100_000])
    if (r.chance(0.3)) rule.bucketBy = r.pick(['key', 'company.id', 'age', 'missing'])
    rules.push(rule)
  }
  const segment: WireSegment = {
    key: `s${index}`,
    version: 1,
    included: KEYS.filter(() => r.chance(0.2)),
    excluded: KEYS.filter(() => r.chance(0.1)),
    rules,
    salt: r.pick(['s1', `segment-salt-${index}`]),
  }
  if (r.chance(0.1)) r.pick(SEGMENT_MUTATIONS)(segment as unknown as Record<string, unknown>)
  return segment
}

function randomWeights(r: Random, n: number): number[] {
  const weights = new Array<number>(n).fill(0)
  let left = 100_000
  for (let i = 0; i < n - 1; i++) {
    const w = r.chance(0.2) ? 0 : r.int(0, left)
    weights[i] = w
    left -= w
  }
  weights[n - 1] = left
  return weights
}

function randomServe(r: Random, n: number): Serve {
  if (r.chance(0.5)) return { variation: r.int(0, n - 1) }
  const rollout: { weights: number[]; bucketBy?: string } = { weights: randomWeights(r, n) }
  if (r.chance(0.3)) rollout.bucketBy = r.pick(['key', 'company.id', 'age', 'missing', 'email'])
  return { rollout }
}

function randomVariations(r: Random): { kind: WireFlag['kind']; variations: JsonValue[] } {
  const n = r.int(2, 4)
  const kind = r.pick(['boolean', 'string', 'number', 'json'] as const)
  const variations: JsonValue[] = []
  for (let i = 0; i < n; i++) {
    if (kind === 'boolean') variations.push(i % 2 === 1)
    if (kind === 'string') variations.push(`v${i}`)
    if (kind === 'number') variations.push(i * 1.5)
    if (kind === 'json') variations.push(r.pick<JsonValue>([{ i }, [i], `s${i}`, i, null]))
  }
  return { kind, variations }
}

// Each mutation makes a valid flag malformed; both evaluators must notice.
const MUTATIONS: ((flag: Record<string, unknown>, r: Random) => void)[] = [
  (f) => (f.offVariation = (f.variations as unknown[]).length),
  (f) =>
    (f.fallthrough = {
      rollout: { weights: [99_999, ...new Array((f.variations as unknown[]).length - 1).fill(0)] },
    }),
  (f, r) =>
    (f.rules = [
      {
        id: 'x',
        clauses: [{ attribute: 'a', op: r.pick(OPERATORS), values: [{ x: 1 }], negate: false }],
        serve: { variation: 0 },
      },
    ]),
  (f, r) =>
    (f.rules = [
      {
        id: 'x',
        clauses: [
          r.pick<Clause>([
            { attribute: 'email', op: 'matches', values: ['^a', '(unclosed'], negate: false },
            { attribute: 'version', op: 'semVerLessThan', values: ['1.02.0'], negate: false },
            { attribute: 'version', op: 'semVerEqual', values: [120], negate: false },
            { attribute: 'signup', op: 'before', values: ['2024-02-30'], negate: false },
            { attribute: 'signup', op: 'after', values: ['2024-06-30T12:00:00'], negate: true },
            { attribute: 'signup', op: 'after', values: [true], negate: false },
            { attribute: 'key', op: 'segmentMatch', values: [''], negate: false },
          ]),
        ],
        serve: { variation: 0 },
      },
    ]),
  (f) =>
    (f.rules = [
      {
        id: 'x',
        clauses: [{ attribute: 'a', op: 'regex', values: [], negate: false }],
        serve: { variation: 0 },
      },
    ]),
  (f) => (f.targets = [{ variation: -1, values: ['u0'] }]),
  (f) =>
    (f.rules = [
      {
        id: 'x',
        clauses: [{ attribute: 'a', op: 'startsWith', values: [1], negate: false }],
        serve: { variation: 0 },
      },
    ]),
  (f) =>
    (f.rules = [
      { id: 'x', clauses: [{ attribute: 'a', op: 'in', values: ['b'] }], serve: { variation: 0 } },
    ]),
  (f) => {
    f.kind = 'boolean'
    f.variations = [true, 'no']
  },
  (f) => (f.rules = [{ id: 7, clauses: [], serve: { variation: 0 } }]),
  (f) =>
    (f.rules = [
      {
        id: 'x',
        clauses: [{ attribute: 'a..b', op: 'in', values: [], negate: false }],
        serve: { variation: 0 },
      },
    ]),
  (f) => (f.fallthrough = { variation: 0, rollout: { weights: [100_000] } }),
  (f) => delete f.salt,
]

function randomFlag(r: Random, index: number): WireFlag {
  const { kind, variations } = randomVariations(r)
  const n = variations.length
  const targets = []
  for (let i = r.int(0, 2); i > 0; i--) {
    targets.push({ variation: r.int(0, n - 1), values: KEYS.filter(() => r.chance(0.2)) })
  }
  const rules = []
  for (let i = r.int(0, 4); i > 0; i--) {
    const clauses: Clause[] = []
    for (let j = r.int(0, 3); j > 0; j--) clauses.push(randomClause(r, true))
    rules.push({ id: `rule-${i}`, clauses, serve: randomServe(r, n) })
  }
  const prerequisites = []
  for (let i = r.chance(0.6) ? 0 : r.int(1, 2); i > 0; i--) {
    prerequisites.push({ flag: `f${r.int(0, FLAG_COUNT)}`, variation: r.int(0, 2) })
  }
  const flag: WireFlag = {
    key: `f${index}`,
    kind,
    variations,
    clientSide: false,
    version: 1,
    on: r.chance(0.85),
    offVariation: r.int(0, n - 1),
    targets,
    rules,
    fallthrough: randomServe(r, n),
    prerequisites,
    salt: r.pick(['s1', 's2', `salt-${index}`, 'ü-salt']),
  }
  if (r.chance(0.08)) r.pick(MUTATIONS)(flag as unknown as Record<string, unknown>, r)
  return flag
}

function randomContext(r: Random): unknown {
  if (r.chance(0.03)) return r.pick([null, {}, { key: 7 }, 'u0'])
  const context: Record<string, unknown> = {
    key: r.chance(0.9) ? r.pick(KEYS) : `user-${r.int(0, 1e6)}`,
  }
  if (r.chance(0.6))
    context.country = r.chance(0.8) ? r.pick(COUNTRIES) : r.pick([null, 3, ['NL', 'US'], []])
  if (r.chance(0.5)) context.plan = r.pick(PLANS)
  if (r.chance(0.5)) context.age = r.chance(0.9) ? r.int(0, 100) : String(r.int(0, 100))
  if (r.chance(0.4)) context.score = r.int(0, 100) + (r.chance(0.3) ? 0.5 : 0)
  if (r.chance(0.4)) context.tags = STRINGS.filter(() => r.chance(0.3))
  if (r.chance(0.4))
    context.email = r.pick(['admin@x.io', 'jo@example.com', 'ad', 'ü@example.com', 42])
  if (r.chance(0.4))
    context.device = r.chance(0.8)
      ? { os: r.pick(['ios', 'android']), version: r.int(14, 18) }
      : 'ios'
  if (r.chance(0.3)) context.beta = r.chance(0.5)
  if (r.chance(0.3))
    context.company = { id: r.chance(0.7) ? r.pick(['acme', 'globex', 'ü']) : r.int(0, 50) }
  if (r.chance(0.5)) {
    context.version = r.chance(0.7)
      ? r.pick(VERSIONS)
      : r.pick<unknown>(['1.0', '01.0.0', 'banana', 3, ['0.1', '3.0.0'], ' 1.0.0', 'V1.0.0'])
  }
  if (r.chance(0.5)) {
    context.signup = r.chance(0.7)
      ? r.pick(TIMES)
      : r.pick<unknown>([
          '2024-06-30T12:00:00', // no offset: not a timestamp
          'yesterday',
          '2024-02-30',
          ['2023-01-01', '2025-01-01'],
          true,
          1_719_748_800_000.5,
          '2024-06-30t12:00:00z',
        ])
  }
  return r.chance(0.15) ? reshape(r, context) : context
}

/**
 * The same attributes in an object of another kind: a null prototype, or a prototype that
 * carries attributes of its own (which neither evaluator may read).
 */
function reshape(r: Random, context: Record<string, unknown>): object {
  if (r.chance(0.5)) return Object.assign(Object.create(null) as object, context)
  const inherited = { country: r.pick(COUNTRIES), plan: r.pick(PLANS), tags: ['pro'] }
  return Object.assign(Object.create(inherited) as object, context)
}

const FALLBACKS: unknown[] = [null, undefined, false, '', 0, {}, []]

/** 100 rounds of random flags, segments and contexts for `seed`; fails on the first difference. */
export function runRandomFlags(seed: number): void {
  const r = createRandom(seed)
  let evaluations = 0
  let malformed = 0
  const kinds = new Set<string>()
  for (let round = 0; round < 100; round++) {
    const flags: WireFlag[] = []
    for (let i = 0; i < FLAG_COUNT; i++) flags.push(randomFlag(r, i))
    const segments: WireSegment[] = []
    for (let i = 0; i < SEGMENT_COUNT; i++) segments.push(randomSegment(r, i))
    const store = createFlagStore()
    store.put(round, flags, segments)
    for (const flag of flags) if (store.get(flag.key)?.problem !== null) malformed++
    for (let c = 0; c < 10; c++) {
      const context = randomContext(r)
      const key = `f${r.int(0, FLAG_COUNT)}` // f8 never exists
      const fallback = r.pick(FALLBACKS)
      const expected = referenceVariationDetail(flags, key, context, fallback, segments)
      const actual = store.variationDetail(key, context as Context, fallback)
      if (!isDeepStrictEqual(actual, expected)) {
        const state = JSON.stringify({ seed, round, key, context, flags, segments })
        expect(actual, state).toStrictEqual(expected)
      }
      expect(store.variation(key, context as Context, fallback)).toStrictEqual(expected.value)
      kinds.add(expected.reason.kind === 'ERROR' ? expected.reason.errorKind : expected.reason.kind)
      evaluations++
    }
  }
  expect(evaluations).toBe(1_000)
  // The generator must reach every outcome, or the comparison proves little.
  expect(malformed).toBeGreaterThan(10)
  expect([...kinds].sort()).toEqual(
    [
      'FALLTHROUGH',
      'FLAG_NOT_FOUND',
      'MALFORMED_FLAG',
      'OFF',
      'PREREQUISITE_FAILED',
      'RULE_MATCH',
      'TARGET_MATCH',
      'USER_NOT_SPECIFIED',
      'WRONG_TYPE',
    ].sort(),
  )
}

/** 300 single-clause flags for `seed`: every operator must both match and miss. */
export function runSingleClauseRules(seed: number): void {
  const r = createRandom(seed)
  // Per operator: [rule matches, fallthroughs]; both must occur, or the operator went untested.
  const outcomes = new Map<string, [number, number]>(OPERATORS.map((op) => [op, [0, 0]]))
  for (let round = 0; round < 300; round++) {
    const segments: WireSegment[] = []
    for (let i = 0; i < SEGMENT_COUNT; i++) segments.push(randomSegment(r, i))
    const clause = randomClause(r, true)
    if (clause.values.length === 0) clause.values.push(randomValue(r, clause.op))
    const flag: WireFlag = {
      key: 'single',
      kind: 'boolean',
      variations: [false, true],
      clientSide: false,
      version: 1,
      on: true,
      offVariation: 0,
      targets: [],
      rules: [{ id: 'only', clauses: [clause], serve: { variation: 1 } }],
      fallthrough: { variation: 0 },
      prerequisites: [],
      salt: 'single-salt',
    }
    const store = createFlagStore()
    store.put(round, [flag], segments)
    for (let c = 0; c < 20; c++) {
      const context = randomContext(r)
      const expected = referenceVariationDetail([flag], 'single', context, null, segments)
      const actual = store.variationDetail('single', context as Context, null)
      if (!isDeepStrictEqual(actual, expected)) {
        const state = JSON.stringify({ seed, round, context, flag, segments })
        expect(actual, state).toStrictEqual(expected)
      }
      const counts = outcomes.get(clause.op)!
      if (expected.reason.kind === 'RULE_MATCH') counts[0]++
      if (expected.reason.kind === 'FALLTHROUGH') counts[1]++
    }
  }
  for (const [op, [matched, unmatched]] of outcomes) {
    expect(matched, `${op} matched`).toBeGreaterThan(5)
    expect(unmatched, `${op} did not match`).toBeGreaterThan(5)
  }
}

/** Attributes of the program-plan rounds: plain top-level names, one clause each per flag. */
const DIRECT_ATTRIBUTES = ['country', 'plan', 'age', 'beta', 'tags', 'email', 'missing', 'key']

/**
 * 300 flags made only of non-negated `in` clauses, each attribute read by one clause (the shape
 * of a ProgramPlan), against the reference. `expectDirect` says whether every on flag must get
 * that plan (false where the named readers are all taken, and none may).
 */
export function runDirectFlags(seed: number, expectDirect: boolean): void {
  const r = createRandom(seed)
  const outcomes = new Set<string>()
  let withRules = 0
  let onWithRules = 0
  let program = 0
  let off = 0
  for (let round = 0; round < 300; round++) {
    const attributes = DIRECT_ATTRIBUTES.filter(() => r.chance(0.5))
    const rules: WireFlag['rules'] = []
    for (let i = r.int(0, 3); i > 0 && attributes.length > 0; i--) {
      const clauses: Clause[] = []
      for (let j = r.int(1, 2); j > 0 && attributes.length > 0; j--) {
        const values: JsonValue[] = []
        for (let k = r.int(1, 6); k > 0; k--) values.push(randomValue(r, 'in'))
        clauses.push({ attribute: attributes.pop()!, op: 'in', values, negate: false })
      }
      rules.push({ id: `r${i}`, clauses, serve: { variation: r.int(0, 2) } })
    }
    const flag: WireFlag = {
      key: 'direct',
      kind: 'string',
      variations: ['a', 'b', 'c'],
      clientSide: false,
      version: 1,
      on: r.chance(0.9),
      offVariation: 2,
      targets: [],
      rules,
      fallthrough: { variation: r.int(0, 2) },
      prerequisites: [],
      salt: 'direct-salt',
    }
    const store = createFlagStore()
    store.put(round, [flag])
    if (rules.length > 0) {
      withRules++
      const kind = store.get('direct')!.planKind
      if (flag.on) onWithRules++
      if (kind === 'program') program++
      // an off flag serves its offVariation, whatever its rules
      if (!flag.on && kind === 'fixed') off++
    }
    for (let c = 0; c < 20; c++) {
      const context = randomContext(r)
      const expected = referenceVariationDetail([flag], 'direct', context, null, [])
      const actual = store.variationDetail('direct', context as Context, null)
      if (!isDeepStrictEqual(actual, expected)) {
        expect(actual, JSON.stringify({ seed, round, context, flag })).toStrictEqual(expected)
      }
      expect(store.variation('direct', context as Context, null)).toStrictEqual(expected.value)
      outcomes.add(expected.reason.kind)
    }
  }
  expect(withRules).toBeGreaterThan(200)
  expect(program).toBe(expectDirect ? onWithRules : 0)
  expect(off).toBe(withRules - onWithRules)
  expect([...outcomes].sort()).toEqual(['ERROR', 'FALLTHROUGH', 'OFF', 'RULE_MATCH'])
}
