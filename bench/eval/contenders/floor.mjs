// The floor: what a hand-written, flag-specific JavaScript check costs. One Map lookup for the
// flag (as every SDK must find the flag by key), then the scenario's condition inlined as plain
// `===` comparisons, a Set lookup or a hand-inlined murmur3. Not a flag system: a reference.
import { FLAG_KEY, SALT, TARGET_KEYS } from '../scenarios.mjs'

export const name = 'floor'
export const packageName = null

// murmur3 x86_32 (seed 0) of the ASCII string prefix + value, % 100000: the same bucketing
// Switchyard documents, hand-inlined with no allocation.
function bucket(prefix, value) {
  let h = 0
  let k = 0
  let shift = 0
  const total = prefix.length + value.length
  for (let i = 0; i < total; i++) {
    const c = i < prefix.length ? prefix.charCodeAt(i) : value.charCodeAt(i - prefix.length)
    k |= c << shift
    shift += 8
    if (shift === 32) {
      k = Math.imul(k, 0xcc9e2d51)
      k = (k << 15) | (k >>> 17)
      h ^= Math.imul(k, 0x1b873593)
      h = (h << 13) | (h >>> 19)
      h = (Math.imul(h, 5) + 0xe6546b64) | 0
      k = 0
      shift = 0
    }
  }
  if (shift !== 0) {
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    h ^= Math.imul(k, 0x1b873593)
  }
  h ^= total
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) % 100000
}

export async function setup(scenario, logical) {
  const contexts = logical.map((c) => ({ key: c.key, country: c.country, plan: c.plan }))
  const flags = new Map()
  let evaluate
  switch (scenario.id) {
    case 'boolean': {
      flags.set(FLAG_KEY, { on: true, value: true })
      evaluate = (_ctx) => {
        const flag = flags.get(FLAG_KEY)
        return flag !== undefined && flag.on && flag.value
      }
      break
    }
    case 'two-clause': {
      flags.set(FLAG_KEY, { on: true })
      evaluate = (ctx) => {
        const flag = flags.get(FLAG_KEY)
        if (flag === undefined || !flag.on) return false
        const c = ctx.country
        const p = ctx.plan
        return (c === 'NL' || c === 'DE' || c === 'FR') && (p === 'pro' || p === 'enterprise')
      }
      break
    }
    case 'rollout': {
      flags.set(FLAG_KEY, { on: true, prefix: SALT + '.', threshold: 75_000 })
      evaluate = (ctx) => {
        const flag = flags.get(FLAG_KEY)
        if (flag === undefined || !flag.on) return false
        return bucket(flag.prefix, ctx.key) >= flag.threshold
      }
      break
    }
    case 'targets': {
      flags.set(FLAG_KEY, { on: true, targets: new Set(TARGET_KEYS) })
      evaluate = (ctx) => {
        const flag = flags.get(FLAG_KEY)
        return flag !== undefined && flag.on && flag.targets.has(ctx.key)
      }
      break
    }
    case 'ten-rules': {
      flags.set(FLAG_KEY, { on: true })
      evaluate = (ctx) => {
        const flag = flags.get(FLAG_KEY)
        if (flag === undefined || !flag.on) return false
        const c = ctx.country
        const p = ctx.plan
        if (c === 'X0' || c === 'Y0' || c === 'Z0') return true
        if (p === 'plan-1' || p === 'tier-1') return true
        if (c === 'X2' || c === 'Y2' || c === 'Z2') return true
        if (p === 'plan-3' || p === 'tier-3') return true
        if (c === 'X4' || c === 'Y4' || c === 'Z4') return true
        if (p === 'plan-5' || p === 'tier-5') return true
        if (c === 'X6' || c === 'Y6' || c === 'Z6') return true
        if (p === 'plan-7' || p === 'tier-7') return true
        if (c === 'X8' || c === 'Y8' || c === 'Z8') return true
        return c === 'NL' || c === 'DE' || c === 'FR' || c === 'US'
      }
      break
    }
    default:
      throw new Error(`floor: unknown scenario ${scenario.id}`)
  }
  return { contexts, evaluate, async: false }
}
