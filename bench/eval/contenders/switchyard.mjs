// Switchyard: the built @switchyard/core (core/dist), evaluated through the public
// FlagStore.variation(key, context, fallback).
import { pathToFileURL } from 'node:url'
import { BENCH_VARIATIONS, FLAG_KEY, SALT, viaJson } from './common.mjs'

export const name = 'switchyard'
export const packageName = '@switchyard/core'

const T = 1 // variation index of `true`
const F = 0

function wireFlag(flag) {
  const base = {
    key: FLAG_KEY,
    kind: 'boolean',
    variations: BENCH_VARIATIONS,
    clientSide: false,
    version: 1,
    on: true,
    offVariation: F,
    targets: [],
    rules: [],
    fallthrough: { variation: F },
    prerequisites: [],
    salt: SALT,
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
            attribute: c.attribute,
            op: 'in',
            values: c.values,
            negate: false,
          })),
          serve: { variation: T },
        })),
      }
    case 'rollout': {
      const on = flag.percent * 1000
      return { ...base, fallthrough: { rollout: { weights: [100_000 - on, on] } } }
    }
    case 'targets':
      return { ...base, targets: [{ variation: T, values: flag.keys }] }
  }
  throw new Error(`unknown flag kind ${flag.kind}`)
}

export async function setup(scenario, logical) {
  // SWITCHYARD_CORE=/abs/path/to/index.js measures another build of core (e.g. a patched copy
  // of core/dist) through the same harness; the default is the workspace's @switchyard/core.
  const override = process.env.SWITCHYARD_CORE
  const core = await import(override ? pathToFileURL(override).href : '@switchyard/core')
  return setupWith(core.createFlagStore, scenario, logical)
}

/**
 * setup() with a given build's createFlagStore (switchyard-base.mjs, or a patched copy of
 * core/dist in a micro-benchmark). Importing this module loads no build of core.
 */
export async function setupWith(createStore, scenario, logical) {
  const store = createStore()
  store.put(1, viaJson([wireFlag(scenario.flag)]))
  const problem = store.get(FLAG_KEY).problem
  if (problem !== null) throw new Error(`switchyard: flag is malformed: ${problem}`)
  const contexts = logical.map((c) => ({ key: c.key, country: c.country, plan: c.plan }))
  return {
    contexts,
    evaluate: (ctx) => store.variation(FLAG_KEY, ctx, false),
    async: false,
  }
}
