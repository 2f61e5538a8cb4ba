import { OP_SEGMENT_MATCH, matchOperand } from '../compile/operators.js'
import type {
  CompiledClause,
  CompiledFlag,
  CompiledSegment,
  CompiledServe,
} from '../compile/types.js'
import type { Context } from '../model/context.js'
import type { JsonValue } from '../model/json.js'
import type { EvaluationDetail, Reason } from '../model/reason.js'
import { bucketValue } from '../hash/bucket.js'
import { readAttribute } from './read-attribute.js'
import { REASON_OFF, REASON_TARGET_MATCH, errorReason } from './reasons.js'

/** Finds a compiled flag by key (prerequisites); undefined when there is no such flag. */
export type FlagLookup = (key: string) => CompiledFlag | undefined

/** Finds a compiled segment by key (segmentMatch); undefined when there is no such segment. */
export type SegmentLookup = (key: string) => CompiledSegment | undefined

/** The segment lookup of an evaluation without segments: every segment is unknown. */
export const NO_SEGMENTS: SegmentLookup = () => undefined

/**
 * How deep prerequisites nest: a flag evaluated as the MAX_PREREQUISITE_DEPTH-th nested
 * prerequisite cannot have prerequisites of its own. A cycle always reaches this limit.
 */
export const MAX_PREREQUISITE_DEPTH = 16

/** How many prerequisite checks one evaluation may make in all (bounds fan-out DAGs). */
export const MAX_PREREQUISITE_CHECKS = 1000

const REASON_MALFORMED = errorReason('MALFORMED_FLAG')
const REASON_NO_CONTEXT = errorReason('USER_NOT_SPECIFIED')
const REASON_NOT_FOUND = errorReason('FLAG_NOT_FOUND')
// why: ErrorKind has no EXCEPTION kind yet; an unexpected throw (hostile context getters, a
// throwing lookup) reports MALFORMED_FLAG
export const REASON_UNEXPECTED_ERROR = REASON_MALFORMED

// Result register: evaluateVariationIndex returns the index and leaves the (shared, frozen)
// reason here, so the plain-value path allocates no result object.
let lastReason: Reason = REASON_OFF
// Per top-level evaluation: checks left, and whether a limit was hit. Hitting a limit (a cycle,
// a chain too deep, too many checks) fails every prerequisite on the way back up, so no flag
// can pass because a cut-off branch happened to serve the required offVariation.
let checksLeft = 0
let aborted = false

/** The reason of the latest evaluateVariationIndex call; read it right after the call. */
export function lastEvaluationReason(): Reason {
  return lastReason
}

/** Whether `context` is an object with a string `key` (the empty string is a valid key). */
export function isContext(context: unknown): context is Context {
  return (
    typeof context === 'object' &&
    context !== null &&
    typeof (context as { key?: unknown }).key === 'string'
  )
}

/**
 * Evaluates `flag` for `context` and returns the served variation index, or -1 for an error.
 * Sets the reason read by lastEvaluationReason(). Allocates nothing except when bucketing by a
 * number attribute (String(n)). May throw only if the context's getters or a lookup throw.
 */
export function evaluateVariationIndex(
  flag: CompiledFlag,
  context: unknown,
  lookup: FlagLookup,
  segments: SegmentLookup,
  depth: number,
): number {
  if (flag.problem !== null) {
    lastReason = REASON_MALFORMED
    return -1
  }
  if (!isContext(context)) {
    lastReason = REASON_NO_CONTEXT
    return -1
  }
  if (!flag.on) {
    lastReason = REASON_OFF
    return flag.offVariation
  }
  const prerequisites = flag.prerequisites
  if (depth === 0 && prerequisites.length > 0) {
    checksLeft = MAX_PREREQUISITE_CHECKS
    aborted = false
  }
  for (let i = 0; i < prerequisites.length; i++) {
    const prerequisite = prerequisites[i]!
    const key = prerequisite.key
    if (!passesPrerequisite(key, prerequisite.variation, context, lookup, segments, depth)) {
      lastReason = prerequisite.failedReason
      return flag.offVariation
    }
  }
  const targets = flag.targets
  if (targets !== null) {
    const target = targets.get(context.key)
    if (target !== undefined) {
      lastReason = REASON_TARGET_MATCH
      return target
    }
  }
  const rules = flag.rules
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    if (matchesAllClauses(rule.clauses, context, segments)) {
      lastReason = rule.reason
      return serveVariation(rule.serve, context, flag.saltPrefix)
    }
  }
  lastReason = flag.fallthroughReason
  return serveVariation(flag.fallthrough, context, flag.saltPrefix)
}

function passesPrerequisite(
  key: string,
  variation: number,
  context: Context,
  lookup: FlagLookup,
  segments: SegmentLookup,
  depth: number,
): boolean {
  if (depth >= MAX_PREREQUISITE_DEPTH || --checksLeft < 0) {
    aborted = true
    return false
  }
  const prerequisite = lookup(key)
  if (prerequisite === undefined) return false
  const served = evaluateVariationIndex(prerequisite, context, lookup, segments, depth + 1)
  return !aborted && prerequisite.on && served === variation
}

function matchesAllClauses(
  clauses: readonly CompiledClause[],
  context: Context,
  segments: SegmentLookup,
): boolean {
  for (let i = 0; i < clauses.length; i++) {
    if (!matchesClause(clauses[i]!, context, segments)) return false
  }
  return true
}

/**
 * A missing (undefined or null) attribute never matches, negated or not. An array attribute
 * matches when any element does; `negate` inverts the whole result.
 */
function matchesClause(clause: CompiledClause, context: Context, segments: SegmentLookup): boolean {
  if (clause.opcode === OP_SEGMENT_MATCH) return matchesSegmentClause(clause, context, segments)
  const value = readAttribute(context, clause.path)
  if (value === undefined || value === null) return false
  let matched = false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i]
      if (element !== undefined && element !== null && matchOperand(clause, element)) {
        matched = true
        break
      }
    }
  } else {
    matched = matchOperand(clause, value)
  }
  return matched !== clause.negate
}

/**
 * segmentMatch: the context is in any of the listed segments. An unknown or malformed segment
 * cannot prove anything: if the context is in none of the known segments and any listed segment
 * is unknown, the clause does not match, negated or not (as with a missing attribute). The
 * clause's attribute is not read.
 */
function matchesSegmentClause(
  clause: CompiledClause,
  context: Context,
  segments: SegmentLookup,
): boolean {
  const keys = clause.values
  let unknown = false
  for (let i = 0; i < keys.length; i++) {
    const segment = segments(keys[i] as string)
    if (segment === undefined || segment.problem !== null) {
      unknown = true
    } else if (isInSegment(segment, context)) {
      return !clause.negate
    }
  }
  return unknown ? false : clause.negate
}

/**
 * Segment membership: excluded keys are out (exclusion wins), included keys are in, otherwise the
 * context is in when any rule's clauses all match and, for a weighted rule, its bucket under the
 * segment's salt is below the weight. Segment rules never contain segmentMatch (compile refuses
 * it), so this never recurses.
 */
function isInSegment(segment: CompiledSegment, context: Context): boolean {
  const key = context.key
  const excluded = segment.excluded
  if (excluded !== null && excluded.has(key)) return false
  const included = segment.included
  if (included !== null && included.has(key)) return true
  const rules = segment.rules
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    if (!matchesAllClauses(rule.clauses, context, NO_SEGMENTS)) continue
    if (rule.weight < 0) return true
    if (bucketContext(rule.bucketBy, context, segment.saltPrefix) < rule.weight) return true
  }
  return false
}

function serveVariation(serve: CompiledServe, context: Context, saltPrefix: string): number {
  const thresholds = serve.thresholds
  if (thresholds === null) return serve.variation
  const bucket = bucketContext(serve.bucketBy, context, saltPrefix)
  const last = thresholds.length - 1
  for (let i = 0; i < last; i++) {
    if (bucket < thresholds[i]!) return i
  }
  return last
}

/**
 * The context's rollout bucket: strings hash as they are, finite numbers as String(n); a
 * missing attribute or any other type is bucket 0 (the first variation with a nonzero weight).
 */
function bucketContext(path: readonly string[], context: Context, saltPrefix: string): number {
  const value = readAttribute(context, path)
  if (typeof value === 'string') return bucketValue(saltPrefix, value)
  if (typeof value === 'number' && Number.isFinite(value)) {
    return bucketValue(saltPrefix, String(value))
  }
  return 0
}

/** The one factory for EvaluationDetail objects (one shape for every result). */
export function createDetail<T>(
  value: T,
  variationIndex: number | null,
  reason: Reason,
): EvaluationDetail<T> {
  return { value, variationIndex, reason }
}

/**
 * Evaluates a compiled flag for a context: off, prerequisites, individual targets, rules top to
 * bottom (first match wins), fallthrough. `lookup` resolves prerequisite flags and
 * `segmentLookup` the segments of segmentMatch clauses (none when omitted), both at evaluation
 * time, so a changed segment never needs the flag recompiled. Never throws: errors come back as
 * `{ value: null, variationIndex: null, reason: { kind: 'ERROR', … } }`.
 *
 * @example
 * const detail = evaluate(compileFlag(wireFlag), { key: 'user-1', country: 'NL' }, () => undefined)
 */
export function evaluate(
  flag: CompiledFlag,
  context: Context,
  lookup: FlagLookup,
  segmentLookup: SegmentLookup = NO_SEGMENTS,
): EvaluationDetail<JsonValue> {
  let index = -1
  let reason: Reason
  try {
    if (flag === undefined || flag === null) return createDetail(null, null, REASON_NOT_FOUND)
    index = evaluateVariationIndex(flag, context, lookup, segmentLookup, 0)
    reason = lastReason
  } catch {
    index = -1
    reason = REASON_UNEXPECTED_ERROR
  }
  if (index < 0) return createDetail(null, null, reason)
  return createDetail(flag.variations[index] ?? null, index, reason)
}
