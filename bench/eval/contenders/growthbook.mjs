// GrowthBook: @growthbook/growthbook's server-side multi-user client, GrowthBookClient,
// initialised synchronously from a payload (no clientKey, no apiHost: nothing to fetch, no
// streaming, no polling). Evaluation: client.isOn(key, { attributes: { id, country, plan } }).
import { GrowthBookClient } from '@growthbook/growthbook'
import { FLAG_KEY, SALT, viaJson } from './common.mjs'

export const name = 'growthbook'
export const packageName = '@growthbook/growthbook'

function feature(flag) {
  switch (flag.kind) {
    case 'static':
      return { defaultValue: flag.value }
    case 'rules':
      // One force rule per rule; conditions are MongoDB-style, keys are ANDed.
      return {
        defaultValue: false,
        rules: flag.rules.map((clauses, i) => ({
          id: `rule-${i}`,
          condition: Object.fromEntries(clauses.map((c) => [c.attribute, { $in: c.values }])),
          force: true,
        })),
      }
    case 'rollout':
      // A percentage-rollout force rule: coverage 0.25, hashed on `id` with the flag's seed.
      return {
        defaultValue: false,
        rules: [
          {
            id: 'rollout',
            force: true,
            coverage: flag.percent / 100,
            hashAttribute: 'id',
            seed: SALT,
          },
        ],
      }
    case 'targets':
      return {
        defaultValue: false,
        rules: [{ id: 'targets', condition: { id: { $in: flag.keys } }, force: true }],
      }
  }
  throw new Error(`unknown flag kind ${flag.kind}`)
}

export async function setup(scenario, logical) {
  const client = new GrowthBookClient({})
  client.initSync({ payload: viaJson({ features: { [FLAG_KEY]: feature(scenario.flag) } }) })
  const contexts = logical.map((c) => ({
    attributes: { id: c.key, country: c.country, plan: c.plan },
  }))
  return {
    contexts,
    evaluate: (ctx) => client.isOn(FLAG_KEY, ctx),
    async: false,
    close: () => client.destroy(),
  }
}
