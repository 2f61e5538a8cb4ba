import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  OPERATORS,
  createFlagStore,
  murmur3,
  type Clause,
  type Context,
  type JsonValue,
  type Serve,
  type WireFlag,
} from '@switchyard/core'
import { createRandom, type Random } from './random.js'
import { referenceMurmur3, referenceVariationDetail } from './reference-evaluator.js'

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
]
const STRINGS = ['a', 'ad', 'admin@', '@example.com', 'pro', 'NL', 'ios', 'bot', 'free', 'ü', '']
const IMPLEMENTED = [
  'in',
  'startsWith',
  'endsWith',
  'contains',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
] as const
const FLAG_COUNT = 8

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
  return r.int(-5, 105) + (r.chance(0.2) ? 0.5 : 0)
}

function randomClause(r: Random): Clause {
  const op = r.pick(IMPLEMENTED)
  const count = r.chance(0.15) ? r.int(9, 14) : r.int(0, 4) // long lists exercise the Set path
  const values: JsonValue[] = []
  for (let i = 0; i < count; i++) values.push(randomValue(r, op))
  return { attribute: r.pick(ATTRIBUTES), op, values, negate: r.chance(0.3) }
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
        clauses: [{ attribute: 'a', op: r.pick(OPERATORS.slice(9)), values: [], negate: false }],
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
  (f) => (f.kind = 'boolean') && (f.variations = [true, 'no']),
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
    for (let j = r.int(0, 3); j > 0; j--) clauses.push(randomClause(r))
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
  return context
}

const FALLBACKS: unknown[] = [null, undefined, false, '', 0, {}, []]

describe('differential: compiled evaluator vs reference evaluator', () => {
  it('agrees with the reference murmur3 on random strings', () => {
    const r = createRandom(7)
    const alphabet = ['a', 'Z', '0', '.', ' ', 'é', 'ß', '日', '😀', '\ud800', '\udc00', '\u0000']
    for (let i = 0; i < 5_000; i++) {
      let s = ''
      for (let j = r.int(0, 24); j > 0; j--) s += r.pick(alphabet)
      const seed = r.int(0, 0xffffffff)
      expect(murmur3(s, seed), JSON.stringify(s)).toBe(referenceMurmur3(s, seed))
    }
  })

  it.each([1, 2, 3, 4, 5])(
    'returns identical details for random flags and contexts (seed %i)',
    (seed) => {
      const r = createRandom(seed)
      let evaluations = 0
      let malformed = 0
      const kinds = new Set<string>()
      for (let round = 0; round < 100; round++) {
        const flags: WireFlag[] = []
        for (let i = 0; i < FLAG_COUNT; i++) flags.push(randomFlag(r, i))
        const store = createFlagStore()
        store.put(round, flags)
        for (const flag of flags) if (store.get(flag.key)?.problem !== null) malformed++
        for (let c = 0; c < 10; c++) {
          const context = randomContext(r)
          const key = `f${r.int(0, FLAG_COUNT)}` // f8 never exists
          const fallback = r.pick(FALLBACKS)
          const expected = referenceVariationDetail(flags, key, context, fallback)
          const actual = store.variationDetail(key, context as Context, fallback)
          if (!isDeepStrictEqual(actual, expected)) {
            expect(actual, JSON.stringify({ seed, round, key, context, flags })).toStrictEqual(
              expected,
            )
          }
          expect(store.variation(key, context as Context, fallback)).toStrictEqual(expected.value)
          kinds.add(
            expected.reason.kind === 'ERROR' ? expected.reason.errorKind : expected.reason.kind,
          )
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
    },
  )
})
