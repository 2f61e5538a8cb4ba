// LaunchDarkly: @launchdarkly/node-server-sdk with the TestData integration as its data source
// (usePreconfiguredFlag takes the full server-side flag JSON), sendEvents false and
// diagnosticOptOut: no stream, no polling, no events. The SDK's evaluation API is asynchronous
// only, so each evaluation is `await client.variation(key, context, false)`.
import { init, integrations } from '@launchdarkly/node-server-sdk'
import { BENCH_VARIATIONS, FLAG_KEY, SALT, viaJson } from './common.mjs'

export const name = 'launchdarkly'
export const packageName = '@launchdarkly/node-server-sdk'

const T = 1
const F = 0

function ldFlag(flag) {
  const base = {
    key: FLAG_KEY,
    version: 1,
    on: true,
    variations: BENCH_VARIATIONS,
    offVariation: F,
    fallthrough: { variation: F },
    targets: [],
    contextTargets: [],
    rules: [],
    prerequisites: [],
    salt: SALT,
    trackEvents: false,
    trackEventsFallthrough: false,
    clientSide: false,
    deleted: false,
  }
  switch (flag.kind) {
    case 'static':
      return { ...base, fallthrough: { variation: flag.value ? T : F } }
    case 'rules':
      return {
        ...base,
        rules: flag.rules.map((clauses, i) => ({
          id: `rule-${i}`,
          clauses: clauses.map((c) => ({
            contextKind: 'user',
            attribute: c.attribute,
            op: 'in',
            values: c.values,
            negate: false,
          })),
          variation: T,
          trackEvents: false,
        })),
      }
    case 'rollout': {
      const on = flag.percent * 1000
      return {
        ...base,
        fallthrough: {
          rollout: {
            variations: [
              { variation: F, weight: 100_000 - on },
              { variation: T, weight: on },
            ],
          },
        },
      }
    }
    case 'targets':
      return { ...base, targets: [{ variation: T, values: flag.keys }] }
  }
  throw new Error(`unknown flag kind ${flag.kind}`)
}

const silent = { error() {}, warn() {}, info() {}, debug() {} }

export async function setup(scenario, logical) {
  const td = new integrations.TestData()
  await td.usePreconfiguredFlag(viaJson(ldFlag(scenario.flag)))
  const client = init('sdk-bench-offline-0000', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: silent,
  })
  await client.waitForInitialization({ timeout: 5 })
  const contexts = logical.map((c) => ({
    kind: 'user',
    key: c.key,
    country: c.country,
    plan: c.plan,
  }))
  return {
    contexts,
    evaluate: (ctx) => client.variation(FLAG_KEY, ctx, false),
    async: true,
    close: () => client.close(),
  }
}
