// The five evaluation scenarios, described once in contender-neutral terms. Every contender
// translates `flag` into its own configuration format and `contexts` into its own context shape;
// `expected(context)` is the value every contender must serve (for the rollout scenario the
// check is the share of `true`, since every SDK hashes differently).

export const CONTEXT_COUNT = 10_000
export const FLAG_KEY = 'bench-flag'
/** Per-flag salt / seed / group id used by every contender's rollout. */
export const SALT = 'bench-rollout-salt'
export const ROLLOUT_PERCENT = 25
export const ROLLOUT_TOLERANCE = 1.5 // percentage points

const COUNTRIES = ['NL', 'DE', 'FR', 'US', 'GB', 'BR', 'JP', 'IN']
const PLANS = ['free', 'pro', 'enterprise', 'team']

// mulberry32: a tiny seeded PRNG, so every process builds the same contexts.
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** 10,000 logical contexts: { key, country, plan }. */
export function logicalContexts() {
  const random = prng(0x5eed)
  const contexts = []
  for (let i = 0; i < CONTEXT_COUNT; i++) {
    contexts.push({
      key: `user-${i}`,
      country: COUNTRIES[Math.floor(random() * COUNTRIES.length)],
      plan: PLANS[Math.floor(random() * PLANS.length)],
    })
  }
  return contexts
}

/** The 1,000 targeted keys of the target-list scenario: every tenth context key. */
export const TARGET_KEYS = Array.from({ length: 1000 }, (_, i) => `user-${i * 10 + 3}`)
const TARGET_SET = new Set(TARGET_KEYS)

/**
 * A neutral rule: `clauses` are ANDed; each clause is `attribute in values`. A flag serves
 * `true` when a rule matches (or a rollout includes the context), `false` otherwise.
 */
const TWO_CLAUSE_RULE = [
  { attribute: 'country', values: ['NL', 'DE', 'FR'] },
  { attribute: 'plan', values: ['pro', 'enterprise'] },
]

// Ten one-clause rules. The first nine name values no context has (alternating between
// country and plan); only the tenth can match, and it matches about half of the contexts.
const TEN_RULES = [
  ...Array.from({ length: 9 }, (_, i) =>
    i % 2 === 0
      ? [{ attribute: 'country', values: [`X${i}`, `Y${i}`, `Z${i}`] }]
      : [{ attribute: 'plan', values: [`plan-${i}`, `tier-${i}`] }],
  ),
  [{ attribute: 'country', values: ['NL', 'DE', 'FR', 'US'] }],
]

const inAll = (clauses, ctx) => clauses.every((c) => c.values.includes(ctx[c.attribute]))

export const SCENARIOS = [
  {
    id: 'boolean',
    title: 'boolean flag, no rules',
    // on, no targets, no rules, serves true to everyone
    flag: { kind: 'static', value: true },
    expected: () => true,
  },
  {
    id: 'two-clause',
    title: 'rule: country in [3] AND plan in [2]',
    flag: { kind: 'rules', rules: [TWO_CLAUSE_RULE] },
    expected: (ctx) => inAll(TWO_CLAUSE_RULE, ctx),
  },
  {
    id: 'rollout',
    title: '25% rollout (share over 10,000 keys)',
    flag: { kind: 'rollout', percent: ROLLOUT_PERCENT },
    expected: null, // share check
  },
  {
    id: 'targets',
    title: '1,000-key target list (10% of contexts listed)',
    flag: { kind: 'targets', keys: TARGET_KEYS },
    expected: (ctx) => TARGET_SET.has(ctx.key),
  },
  {
    id: 'ten-rules',
    title: 'ten rules, only the last matches (~50%)',
    flag: { kind: 'rules', rules: TEN_RULES },
    expected: (ctx) => TEN_RULES.some((clauses) => inAll(clauses, ctx)),
  },
]

export function scenario(id) {
  const found = SCENARIOS.find((s) => s.id === id)
  if (found === undefined) throw new Error(`unknown scenario ${id}`)
  return found
}
