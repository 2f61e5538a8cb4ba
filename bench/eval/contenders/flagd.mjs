// flagd: @openfeature/flagd-core, the in-process evaluator used by flagd's "in-process" provider,
// fed a flag definition JSON string with setConfigurations(). Targeting is JsonLogic.
// Evaluation: core.resolveBooleanEvaluation(key, false, { targetingKey, country, plan }).
import { FlagdCore } from '@openfeature/flagd-core'
import { FLAG_KEY } from './common.mjs'

export const name = 'flagd'
export const packageName = '@openfeature/flagd-core'

const inClause = (c) => ({
  in: [{ var: c.attribute === 'key' ? 'targetingKey' : c.attribute }, c.values],
})

function definition(flag) {
  const base = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' }
  switch (flag.kind) {
    case 'static':
      return { ...base, defaultVariant: flag.value ? 'on' : 'off' }
    case 'rules': {
      // One `if` chain: [cond0, 'on', cond1, 'on', …, 'off'].
      const chain = []
      for (const clauses of flag.rules) {
        chain.push(clauses.length === 1 ? inClause(clauses[0]) : { and: clauses.map(inClause) })
        chain.push('on')
      }
      chain.push('off')
      return { ...base, targeting: { if: chain } }
    }
    case 'rollout':
      // fractional buckets on $flagd.flagKey + targetingKey by default.
      return {
        ...base,
        targeting: {
          fractional: [
            ['on', flag.percent],
            ['off', 100 - flag.percent],
          ],
        },
      }
    case 'targets':
      return {
        ...base,
        targeting: { if: [{ in: [{ var: 'targetingKey' }, flag.keys] }, 'on', 'off'] },
      }
  }
  throw new Error(`unknown flag kind ${flag.kind}`)
}

const silent = { error() {}, warn() {}, info() {}, debug() {} }

export async function setup(scenario, logical) {
  const core = new FlagdCore(undefined, silent)
  core.setConfigurations(JSON.stringify({ flags: { [FLAG_KEY]: definition(scenario.flag) } }))
  const contexts = logical.map((c) => ({ targetingKey: c.key, country: c.country, plan: c.plan }))
  return {
    contexts,
    evaluate: (ctx) => core.resolveBooleanEvaluation(FLAG_KEY, false, ctx, silent).value,
    async: false,
  }
}
