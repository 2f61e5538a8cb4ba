// A slow, obviously correct evaluator for the differential test. It reads wire flags directly,
// shares no code with src/ (not even the hash), and favours plain array methods over speed.
import { Buffer } from 'node:buffer'
import type { EvaluationDetail, Reason, WireFlag, WireSegment } from '@switchyard/core'

const MAX_DEPTH = 16
const MAX_CHECKS = 1000
const SCALE = 100_000
const KNOWN = [
  'in',
  'startsWith',
  'endsWith',
  'contains',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'matches',
  'before',
  'after',
  'semVerEqual',
  'semVerLessThan',
  'semVerGreaterThan',
  'segmentMatch',
]
const STRING_OPS = ['startsWith', 'endsWith', 'contains']
const NUMBER_OPS = ['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual']
const SEMVER_OPS = ['semVerEqual', 'semVerLessThan', 'semVerGreaterThan']

type Clause = WireFlag['rules'][number]['clauses'][number]
type Segments = Map<string, WireSegment>
const NO_SEGMENTS: Segments = new Map()

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

// Timestamps: YYYY-MM-DD, or a date-time with a required Z or ±hh:mm offset.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/

/** Epoch ms of a before/after operand, or undefined when it is not a timestamp. */
export function referenceTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'string') return undefined
  const m = TIMESTAMP.exec(value)
  if (m === null) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)]
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3))
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined
  // why: Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, ms)
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1) return undefined
  if (date.getUTCDate() !== day) return undefined
  let offsetMinutes = 0
  const offset = m[8]
  if (offset !== undefined && offset !== 'Z') {
    const [oh, om] = offset.slice(1).split(':').map(Number) as [number, number]
    if (oh > 23 || om > 59) return undefined
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (oh * 60 + om)
  }
  return date.getTime() - offsetMinutes * 60_000
}

// semver.org's regular expression, plus an optional leading v and optional minor and patch.
const SEMVER =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?)?(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

interface Version {
  core: number[]
  prerelease: string[]
}

/** A parsed version, or undefined when `value` is not one. */
export function referenceSemVer(value: unknown): Version | undefined {
  if (typeof value !== 'string') return undefined
  const m = SEMVER.exec(value)
  if (m === null) return undefined
  const core = [m[1], m[2] ?? '0', m[3] ?? '0'].map(Number)
  if (core.some((n) => n > Number.MAX_SAFE_INTEGER)) return undefined
  return { core, prerelease: m[4] === undefined ? [] : m[4].split('.') }
}

function compareIdentifier(a: string, b: string): number {
  const aNumeric = /^\d+$/.test(a)
  const bNumeric = /^\d+$/.test(b)
  if (aNumeric && bNumeric) return Math.sign(Number(BigInt(a) - BigInt(b)))
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Semver 2.0.0 precedence (section 11): -1, 0 or 1. */
export function compareSemVer(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a.core[i] !== b.core[i]) return a.core[i]! < b.core[i]! ? -1 : 1
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return Math.sign(b.prerelease.length - a.prerelease.length)
  }
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const order = compareIdentifier(a.prerelease[i]!, b.prerelease[i]!)
    if (order !== 0) return order
  }
  return Math.sign(a.prerelease.length - b.prerelease.length)
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source)
    return true
  } catch {
    return false
  }
}

function isOperandValue(op: string, v: unknown): boolean {
  if (op === 'in') return typeof v === 'string' || typeof v === 'boolean' || isFiniteNumber(v)
  if (STRING_OPS.includes(op)) return typeof v === 'string'
  if (NUMBER_OPS.includes(op)) return isFiniteNumber(v)
  if (op === 'matches') return typeof v === 'string' && isRegExp(v)
  if (op === 'before' || op === 'after') return referenceTime(v) !== undefined
  if (SEMVER_OPS.includes(op)) return referenceSemVer(v) !== undefined
  return typeof v === 'string' && v !== '' // segmentMatch
}

function isClause(clause: unknown): boolean {
  if (!isObject(clause)) return false
  if (!isPath(clause.attribute)) return false
  if (typeof clause.op !== 'string' || !KNOWN.includes(clause.op)) return false
  if (typeof clause.negate !== 'boolean' || !Array.isArray(clause.values)) return false
  const op = clause.op
  return clause.values.every((v: unknown) => isOperandValue(op, v))
}

const isWeight = (w: unknown): boolean =>
  typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= SCALE

/** Whether the reference considers a wire segment well-formed. */
export function isValidSegment(segment: unknown): boolean {
  if (!isObject(segment)) return false
  if (typeof segment.key !== 'string' || segment.key === '') return false
  if (typeof segment.version !== 'number' || typeof segment.salt !== 'string') return false
  const isKeyList = (v: unknown): boolean =>
    Array.isArray(v) && v.every((k) => typeof k === 'string')
  if (!isKeyList(segment.included) || !isKeyList(segment.excluded)) return false
  if (!Array.isArray(segment.rules)) return false
  return segment.rules.every(
    (r: unknown) =>
      isObject(r) &&
      (r.id === undefined || typeof r.id === 'string') &&
      Array.isArray(r.clauses) &&
      r.clauses.every((c: unknown) => isClause(c) && (c as Clause).op !== 'segmentMatch') &&
      (r.weight === undefined || isWeight(r.weight)) &&
      (r.bucketBy === undefined || isPath(r.bucketBy)),
  )
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
    case 'matches':
      return typeof actual === 'string' && new RegExp(expected as string).test(actual)
    case 'before':
    case 'after': {
      if (typeof actual !== 'string' && typeof actual !== 'number') return false
      const time = referenceTime(actual)
      if (time === undefined) return false
      return op === 'before' ? time < referenceTime(expected)! : time > referenceTime(expected)!
    }
    case 'semVerEqual':
    case 'semVerLessThan':
    case 'semVerGreaterThan': {
      const version = referenceSemVer(actual)
      if (version === undefined) return false
      const order = compareSemVer(version, referenceSemVer(expected)!)
      return order === { semVerEqual: 0, semVerLessThan: -1, semVerGreaterThan: 1 }[op]
    }
    default:
      throw new Error(`reference: unsupported operator ${op}`)
  }
}

function isInSegment(segment: WireSegment, context: Record<string, unknown>): boolean {
  const key = context.key as string
  if (segment.excluded.includes(key)) return false
  if (segment.included.includes(key)) return true
  return segment.rules.some(
    (rule) =>
      rule.clauses.every((c) => clauseMatches(c, context, NO_SEGMENTS)) &&
      (rule.weight === undefined ||
        bucketOf(segment.salt, rule.bucketBy ?? 'key', context) < rule.weight),
  )
}

function segmentClauseMatches(
  clause: Clause,
  context: Record<string, unknown>,
  segments: Segments,
): boolean {
  const listed = clause.values.map((key) => {
    const segment = segments.get(key as string)
    return segment !== undefined && isValidSegment(segment) ? segment : undefined
  })
  if (listed.some((segment) => segment !== undefined && isInSegment(segment, context))) {
    return !clause.negate
  }
  if (listed.some((segment) => segment === undefined)) return false
  return clause.negate
}

function clauseMatches(
  clause: Clause,
  context: Record<string, unknown>,
  segments: Segments,
): boolean {
  if (clause.op === 'segmentMatch') return segmentClauseMatches(clause, context, segments)
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

function bucketOf(salt: string, bucketBy: string, context: Record<string, unknown>): number {
  const value = attributeOf(context, bucketBy)
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
    return referenceMurmur3(`${salt}.${String(value)}`) % SCALE
  }
  return 0
}

function serveIndex(
  serve: WireFlag['fallthrough'],
  flag: WireFlag,
  context: Record<string, unknown>,
): number {
  if ('variation' in serve && serve.variation !== undefined) return serve.variation
  const rollout = (serve as { rollout: { bucketBy?: string; weights: number[] } }).rollout
  const bucket = bucketOf(flag.salt, rollout.bucketBy ?? 'key', context)
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
  segments: Segments,
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
    const outcome = evaluateFlag(flags, segments, other, context, depth + 1, limits)
    if (limits.aborted) return failed
    if (!(isValidFlag(other) && other.on && outcome.index === prerequisite.variation)) return failed
  }
  const target = flag.targets.find((t) => t.values.includes(context.key as string))
  if (target !== undefined) return { index: target.variation, reason: { kind: 'TARGET_MATCH' } }
  const ruleIndex = flag.rules.findIndex((r) =>
    r.clauses.every((c) => clauseMatches(c, context, segments)),
  )
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

/**
 * The reference answer to `store.variationDetail(key, context, fallback)` over `flags` and
 * `segments`.
 */
export function referenceVariationDetail(
  flags: WireFlag[] | null,
  key: string,
  context: unknown,
  fallback: unknown,
  segments: WireSegment[] = [],
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
  const segmentsByKey: Segments = new Map(segments.map((s) => [s.key, s]))
  const { index, reason } = evaluateFlag(byKey, segmentsByKey, flag, context, 0, limits)
  if (index < 0) return { value: fallback, variationIndex: null, reason }
  const value = flag.variations[index]
  if (!typeMatches(value, fallback)) return error('WRONG_TYPE')
  return { value, variationIndex: index, reason }
}
