// A slow, obviously correct evaluator for the differential test. It reads wire flags directly,
// shares no code with src/ (not even the hash), and favours plain array methods over speed.
import { Buffer } from 'node:buffer'
import type { EvaluationDetail, Reason, WireFlag } from '@switchyard/core'

const MAX_DEPTH = 16
const MAX_CHECKS = 1000
const SCALE = 100_000
const SUPPORTED = [
  'in',
  'startsWith',
  'endsWith',
  'contains',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
]
const KNOWN = [
  ...SUPPORTED,
  'matches',
  'before',
  'after',
  'semVerEqual',
  'semVerLessThan',
  'semVerGreaterThan',
  'segmentMatch',
]
const STRING_OPS = ['startsWith', 'endsWith', 'contains']

/** murmur3 x86_32 straight from the reference C code, over Buffer's UTF-8 bytes. */
export function referenceMurmur3(text: string, seed = 0): number {
  const bytes = Buffer.from(text, 'utf8')
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  let h = seed >>> 0
  const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0
  const nblocks = Math.floor(bytes.length / 4)
  for (let i = 0; i < nblocks; i++) {
    let k = bytes.readUInt32LE(i * 4)
    k = Math.imul(k, c1) >>> 0
    k = rotl(k, 15)
    k = Math.imul(k, c2) >>> 0
    h ^= k
    h = rotl(h >>> 0, 13)
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0
  }
  const tail = bytes.subarray(nblocks * 4)
  let k1 = 0
  if (tail.length >= 3) k1 ^= tail[2]! << 16
  if (tail.length >= 2) k1 ^= tail[1]! << 8
  if (tail.length >= 1) {
    k1 ^= tail[0]!
    k1 = Math.imul(k1, c1) >>> 0
    k1 = rotl(k1, 15)
    k1 = Math.imul(k1, c2) >>> 0
    h ^= k1
  }
  h ^= bytes.length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isIndex = (v: unknown, n: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n
const isFiniteNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v)

function isJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true
  if (typeof v === 'number') return Number.isFinite(v)
  if (Array.isArray(v)) return v.every(isJson)
  if (isObject(v)) return Object.values(v).every(isJson)
  return false
}

function isPath(attribute: unknown): boolean {
  return typeof attribute === 'string' && attribute !== '' && !attribute.split('.').includes('')
}

function isServe(serve: unknown, n: number): boolean {
  if (!isObject(serve)) return false
  if ((serve.variation !== undefined) === (serve.rollout !== undefined)) return false
  if (serve.variation !== undefined) return isIndex(serve.variation, n)
  const rollout = serve.rollout
  if (!isObject(rollout)) return false
  if (rollout.bucketBy !== undefined && !isPath(rollout.bucketBy)) return false
  const weights = rollout.weights
  if (!Array.isArray(weights) || weights.length !== n) return false
  if (!weights.every((w) => Number.isInteger(w) && w >= 0)) return false
  return weights.reduce((a: number, b: number) => a + b, 0) === SCALE
}

function isClause(clause: unknown): boolean {
  if (!isObject(clause)) return false
  if (!isPath(clause.attribute)) return false
  if (typeof clause.op !== 'string' || !KNOWN.includes(clause.op)) return false
  if (!SUPPORTED.includes(clause.op)) return false
  if (typeof clause.negate !== 'boolean' || !Array.isArray(clause.values)) return false
  const op = clause.op
  return clause.values.every((v: unknown) => {
    if (op === 'in') return typeof v === 'string' || typeof v === 'boolean' || isFiniteNumber(v)
    if (STRING_OPS.includes(op)) return typeof v === 'string'
    return isFiniteNumber(v)
  })
}

/** Whether the reference considers a wire flag well-formed. */
export function isValidFlag(flag: unknown): boolean {
  if (!isObject(flag)) return false
  if (typeof flag.key !== 'string' || flag.key === '') return false
  if (!['boolean', 'string', 'number', 'json'].includes(flag.kind as string)) return false
  if (typeof flag.version !== 'number' || typeof flag.on !== 'boolean') return false
  if (typeof flag.salt !== 'string') return false
  const variations = flag.variations
  if (!Array.isArray(variations) || variations.length === 0) return false
  const kindOk = (v: unknown): boolean =>
    flag.kind === 'json' ? true : typeof v === (flag.kind as string)
  if (!variations.every((v) => kindOk(v) && isJson(v))) return false
  const n = variations.length
  if (!isIndex(flag.offVariation, n)) return false
  if (!Array.isArray(flag.prerequisites)) return false
  const prerequisitesOk = flag.prerequisites.every(
    (p: unknown) =>
      isObject(p) && typeof p.flag === 'string' && p.flag !== '' && isIndex(p.variation, 2 ** 53),
  )
  if (!prerequisitesOk) return false
  if (!Array.isArray(flag.targets)) return false
  const targetsOk = flag.targets.every(
    (t: unknown) =>
      isObject(t) &&
      isIndex(t.variation, n) &&
      Array.isArray(t.values) &&
      t.values.every((v: unknown) => typeof v === 'string'),
  )
  if (!targetsOk) return false
  if (!Array.isArray(flag.rules)) return false
  const rulesOk = flag.rules.every(
    (r: unknown) =>
      isObject(r) &&
      typeof r.id === 'string' &&
      Array.isArray(r.clauses) &&
      r.clauses.every(isClause) &&
      isServe(r.serve, n),
  )
  return rulesOk && isServe(flag.fallthrough, n)
}

function attributeOf(context: Record<string, unknown>, attribute: string): unknown {
  let value: unknown = context
  for (const name of attribute.split('.')) {
    if (!isObject(value) || !Object.prototype.hasOwnProperty.call(value, name)) return undefined
    value = value[name]
  }
  return value
}

function operatorMatches(op: string, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'in':
      return actual === expected
    case 'startsWith':
      return typeof actual === 'string' && actual.startsWith(expected as string)
    case 'endsWith':
      return typeof actual === 'string' && actual.endsWith(expected as string)
    case 'contains':
      return typeof actual === 'string' && actual.includes(expected as string)
    case 'lessThan':
      return typeof actual === 'number' && actual < (expected as number)
    case 'lessThanOrEqual':
      return typeof actual === 'number' && actual <= (expected as number)
    case 'greaterThan':
      return typeof actual === 'number' && actual > (expected as number)
    case 'greaterThanOrEqual':
      return typeof actual === 'number' && actual >= (expected as number)
    default:
      throw new Error(`reference: unsupported operator ${op}`)
  }
}

function clauseMatches(
  clause: WireFlag['rules'][number]['clauses'][number],
  context: Record<string, unknown>,
): boolean {
  const value = attributeOf(context, clause.attribute)
  if (value === undefined || value === null) return false
  const candidates = Array.isArray(value)
    ? value.filter((v) => v !== undefined && v !== null)
    : [value]
  const matched = candidates.some((c) =>
    clause.values.some((v) => operatorMatches(clause.op, c, v)),
  )
  return clause.negate ? !matched : matched
}

function serveIndex(
  serve: WireFlag['fallthrough'],
  flag: WireFlag,
  context: Record<string, unknown>,
): number {
  if ('variation' in serve && serve.variation !== undefined) return serve.variation
  const rollout = (serve as { rollout: { bucketBy?: string; weights: number[] } }).rollout
  const value = attributeOf(context, rollout.bucketBy ?? 'key')
  let bucket = 0
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
    bucket = referenceMurmur3(`${flag.salt}.${String(value)}`) % SCALE
  }
  let cumulative = 0
  for (let i = 0; i < rollout.weights.length; i++) {
    cumulative += rollout.weights[i]!
    if (bucket < cumulative) return i
  }
  throw new Error('reference: weights do not cover the bucket')
}

interface Outcome {
  index: number
  reason: Reason
}

/** Shared by one top-level evaluation: a limit hit anywhere fails every prerequisite above it. */
interface Limits {
  checksLeft: number
  aborted: boolean
}

function evaluateFlag(
  flags: Map<string, WireFlag>,
  flag: WireFlag,
  context: unknown,
  depth: number,
  limits: Limits,
): Outcome {
  if (!isValidFlag(flag))
    return { index: -1, reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' } }
  if (!isObject(context) || typeof context.key !== 'string') {
    return { index: -1, reason: { kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' } }
  }
  if (!flag.on) return { index: flag.offVariation, reason: { kind: 'OFF' } }
  for (const prerequisite of flag.prerequisites) {
    const failed: Outcome = {
      index: flag.offVariation,
      reason: { kind: 'PREREQUISITE_FAILED', prerequisiteKey: prerequisite.flag },
    }
    limits.checksLeft -= 1
    if (depth >= MAX_DEPTH || limits.checksLeft < 0) {
      limits.aborted = true
      return failed
    }
    const other = flags.get(prerequisite.flag)
    if (other === undefined) return failed
    const outcome = evaluateFlag(flags, other, context, depth + 1, limits)
    if (limits.aborted) return failed
    if (!(isValidFlag(other) && other.on && outcome.index === prerequisite.variation)) return failed
  }
  const target = flag.targets.find((t) => t.values.includes(context.key as string))
  if (target !== undefined) return { index: target.variation, reason: { kind: 'TARGET_MATCH' } }
  const ruleIndex = flag.rules.findIndex((r) => r.clauses.every((c) => clauseMatches(c, context)))
  if (ruleIndex >= 0) {
    const rule = flag.rules[ruleIndex]!
    const inRollout = 'rollout' in rule.serve
    const reason: Reason = inRollout
      ? { kind: 'RULE_MATCH', ruleIndex, ruleId: rule.id, inRollout: true }
      : { kind: 'RULE_MATCH', ruleIndex, ruleId: rule.id }
    return { index: serveIndex(rule.serve, flag, context), reason }
  }
  const reason: Reason =
    'rollout' in flag.fallthrough
      ? { kind: 'FALLTHROUGH', inRollout: true }
      : { kind: 'FALLTHROUGH' }
  return { index: serveIndex(flag.fallthrough, flag, context), reason }
}

function typeMatches(value: unknown, fallback: unknown): boolean {
  if (fallback === null || fallback === undefined) return true
  if (typeof fallback === 'object') return typeof value === 'object' && value !== null
  return typeof value === typeof fallback
}

/** The reference answer to `store.variationDetail(key, context, fallback)` over `flags`. */
export function referenceVariationDetail(
  flags: WireFlag[] | null,
  key: string,
  context: unknown,
  fallback: unknown,
): EvaluationDetail {
  const error = (
    errorKind: 'CLIENT_NOT_READY' | 'FLAG_NOT_FOUND' | 'WRONG_TYPE',
  ): EvaluationDetail => ({
    value: fallback,
    variationIndex: null,
    reason: { kind: 'ERROR', errorKind },
  })
  if (flags === null) return error('CLIENT_NOT_READY')
  const byKey = new Map(flags.map((f) => [f.key, f]))
  const flag = byKey.get(key)
  if (flag === undefined) return error('FLAG_NOT_FOUND')
  const limits: Limits = { checksLeft: MAX_CHECKS, aborted: false }
  const { index, reason } = evaluateFlag(byKey, flag, context, 0, limits)
  if (index < 0) return { value: fallback, variationIndex: null, reason }
  const value = flag.variations[index]
  if (!typeMatches(value, fallback)) return error('WRONG_TYPE')
  return { value, variationIndex: index, reason }
}
