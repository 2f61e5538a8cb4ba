// Unleash: unleash-client's public API. The toggles are handed over as `bootstrap` data with an
// in-memory storage provider; refreshInterval 0 turns polling off (the fetcher returns before any
// request), metrics are disabled, and the URL is a refusing loopback port as a safety net.
// Evaluation: unleash.isEnabled(name, { userId, properties: { country, plan } }).
import { InMemStorageProvider, Unleash } from 'unleash-client'
import { FLAG_KEY, SALT, viaJson } from './common.mjs'

export const name = 'unleash'
export const packageName = 'unleash-client'

function toggle(flag) {
  const base = {
    name: FLAG_KEY,
    type: 'release',
    project: 'default',
    enabled: true,
    stale: false,
    impressionData: false,
    variants: [],
  }
  const strategy = (constraints, extra = {}) => ({
    name: 'default',
    parameters: {},
    constraints,
    ...extra,
  })
  switch (flag.kind) {
    case 'static':
      // An enabled toggle with the standard strategy: on for everyone.
      return { ...base, enabled: flag.value, strategies: [strategy([])] }
    case 'rules':
      // One strategy per rule (a toggle is on when any strategy is on, checked in order);
      // custom attributes live under context.properties.
      return {
        ...base,
        strategies: flag.rules.map((clauses) =>
          strategy(
            clauses.map((c) => ({
              contextName: c.attribute,
              operator: 'IN',
              values: c.values,
              inverted: false,
              caseInsensitive: false,
            })),
          ),
        ),
      }
    case 'rollout':
      return {
        ...base,
        strategies: [
          {
            name: 'flexibleRollout',
            parameters: { rollout: String(flag.percent), stickiness: 'userId', groupId: SALT },
            constraints: [],
          },
        ],
      }
    case 'targets':
      // The current idiom for a user list: a userId IN constraint (userWithId is legacy).
      return {
        ...base,
        strategies: [
          strategy([
            {
              contextName: 'userId',
              operator: 'IN',
              values: flag.keys,
              inverted: false,
              caseInsensitive: false,
            },
          ]),
        ],
      }
  }
  throw new Error(`unknown flag kind ${flag.kind}`)
}

export async function setup(scenario, logical) {
  const unleash = new Unleash({
    appName: 'switchyard-bench',
    url: 'http://127.0.0.1:1/', // refused; never contacted with refreshInterval 0
    refreshInterval: 0,
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data: viaJson([toggle(scenario.flag)]) },
    disableAutoStart: true,
  })
  const errors = []
  unleash.on('error', (error) => errors.push(error))
  unleash.on('warn', () => {})
  const ready = new Promise((resolve) => unleash.once('ready', resolve))
  await unleash.start()
  await ready
  if (errors.length > 0) throw new Error(`unleash: ${errors[0].message}`)
  const contexts = logical.map((c) => ({
    userId: c.key,
    properties: { country: c.country, plan: c.plan },
  }))
  return {
    contexts,
    evaluate: (ctx) => unleash.isEnabled(FLAG_KEY, ctx),
    async: false,
    close: () => unleash.destroy(),
  }
}
