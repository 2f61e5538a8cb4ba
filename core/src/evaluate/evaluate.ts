import { OP_IN_LIST, OP_SEGMENT_MATCH, matchOperand } from '../compile/operators.js'
import { sampleHash } from '../compile/rule-index.js'
import type {
  AttributeCache,
  CompiledClause,
  CompiledFlag,
  CompiledPrerequisite,
  CompiledRule,
  CompiledSegment,
  CompiledServe,
  DirectIndexPlan,
  GeneralPlan,
  RuleIndex,
  SingleIndexPlan,
  SlotIndex,
} from '../compile/types.js'
import type { Context } from '../model/context.js'
import type { JsonValue } from '../model/json.js'
import type { EvaluationDetail, Reason } from '../model/reason.js'
import { bucketValue } from '../hash/bucket.js'
import { readNamed } from './named-readers.js'
import { readAttributeWith } from './read-attribute.js'
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

/**
 * Whether `context` is an object, not an array, with a string `key` (the empty string is a
 * valid key).
 */
export function isContext(context: unknown): context is Context {
  return (
    typeof context === 'object' &&
    context !== null &&
    typeof (context as { key?: unknown }).key === 'string' &&
    !Array.isArray(context)
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
  if (!isContext(context)) {
    lastReason = flag.problem === null ? REASON_NO_CONTEXT : REASON_MALFORMED
    return -1
  }
  const { planKind, plan } = flag
  let rule: number // the first rule that matches, -1 for none
  switch (planKind) {
    case 'fixed':
      lastReason = plan.reason
      return plan.variation
    case 'program':
      rule = matchProgram(plan.program, context)
      break
    case 'single-index':
      rule = matchSingleClauseIndex(plan, context)
      break
    case 'direct-index':
      rule = matchDirectIndex(plan, context)
      break
    default: // 'general': any other kind would not type-check here
      return evaluateGeneral(plan, context, lookup, segments, depth)
  }
  lastReason = plan.reasons[rule + 1]!
  return plan.variations[rule + 1]!
}

/**
 * evaluateVariationIndex without the reason: the same index for every flag and context, but
 * lastEvaluationReason() is left as it was (the general plan still sets it). The same dispatch,
 * for store.variation().
 * perf: the reason register costs the rule plans a store a call (bench/eval/README.md, "Plans")
 */
export function evaluateReasonFree(
  flag: CompiledFlag,
  context: unknown,
  lookup: FlagLookup,
  segments: SegmentLookup,
): number {
  if (!isContext(context)) return -1
  const { planKind, plan } = flag
  let rule: number // the first rule that matches, -1 for none
  switch (planKind) {
    case 'fixed':
      return plan.variation
    case 'program':
      rule = matchProgram(plan.program, context)
      break
    case 'single-index':
      rule = matchSingleClauseIndex(plan, context)
      break
    case 'direct-index':
      rule = matchDirectIndex(plan, context)
      break
    default: // 'general': any other kind would not type-check here
      return evaluateGeneral(plan, context, lookup, segments, 0)
  }
  return plan.variations[rule + 1]!
}

/** The general plan: prerequisites, targets, rules top to bottom, fallthrough. */
function evaluateGeneral(
  plan: GeneralPlan,
  context: Context,
  lookup: FlagLookup,
  segments: SegmentLookup,
  depth: number,
): number {
  const prerequisites = plan.prerequisites
  if (prerequisites.length !== 0) {
    const failed = failedPrerequisite(prerequisites, context, lookup, segments, depth)
    if (failed !== null) {
      lastReason = failed.failedReason
      return plan.offVariation
    }
  }
  const targets = plan.targets
  if (targets !== null) {
    const target = targets.get(context.key)
    if (target !== undefined) {
      lastReason = REASON_TARGET_MATCH
      return target
    }
  }
  const rules = plan.rules
  let serve = plan.fallthrough
  let reason = plan.fallthroughReason
  if (rules.length !== 0) {
    const matched = matchRules(plan, context, segments)
    if (matched >= 0) {
      const rule = rules[matched]!
      serve = rule.serve
      reason = rule.reason
    }
  }
  // perf: one serve site keeps the caller in its inlining budget (bench/eval/README.md, "Inlining")
  if (serve.thresholds === null) {
    lastReason = reason
    return serve.variation
  }
  const index = serveRollout(serve, context, plan.saltPrefix)
  // why: set after bucketing, which reads an attribute: a getter that evaluates another flag
  // would overwrite the register
  lastReason = reason
  return index
}

/**
 * The first rule of a program (types.ts, ProgramPlan.program) whose clauses all list the
 * attribute value read for them; -1 when none does.
 */
function matchProgram(program: readonly (string | number | boolean)[], context: Context): number {
  let p = 0
  for (let r = 0; p < program.length; r++) {
    const clauses = program[p] as number
    const next = program[p + 1] as number
    p += 2
    let matched = true
    for (let i = 0; i < clauses; i++) {
      const value = readNamed(context as Record<string, unknown>, program[p] as number)
      const count = program[p + 1] as number
      p += 2
      let listed = false
      if (typeof value === 'string') {
        for (let j = 0; j < count; j++) {
          if (program[p + j] === value) {
            listed = true
            break
          }
        }
      } else {
        listed = isListedIn(program, p, count, value)
      }
      if (!listed) {
        matched = false
        break
      }
      p += count
    }
    if (matched) return r
    p = next
  }
  return -1
}

/**
 * `in` for a value that is not a string, against the `count` values of `program` from `from`: a
 * missing one (undefined, null) never matches, an array matches when any element is listed,
 * anything else when it is listed itself. `===` is SameValueZero here: values are never NaN.
 */
function isListedIn(
  program: readonly (string | number | boolean)[],
  from: number,
  count: number,
  value: unknown,
): boolean {
  if (value === undefined || value === null) return false
  if (!Array.isArray(value)) return listsValue(program, from, count, value)
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i]
    if (element !== undefined && element !== null && listsValue(program, from, count, element)) {
      return true
    }
  }
  return false
}

function listsValue(
  program: readonly (string | number | boolean)[],
  from: number,
  count: number,
  value: unknown,
): boolean {
  for (let j = from; j < from + count; j++) if (program[j] === value) return true
  return false
}

/** The first of `prerequisites` that fails for `context`; null when all pass. */
function failedPrerequisite(
  prerequisites: readonly CompiledPrerequisite[],
  context: Context,
  lookup: FlagLookup,
  segments: SegmentLookup,
  depth: number,
): CompiledPrerequisite | null {
  if (depth === 0) {
    checksLeft = MAX_PREREQUISITE_CHECKS
    aborted = false
  }
  for (let i = 0; i < prerequisites.length; i++) {
    const prerequisite = prerequisites[i]!
    const key = prerequisite.key
    if (!passesPrerequisite(key, prerequisite.variation, context, lookup, segments, depth)) {
      return prerequisite
    }
  }
  return null
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

// ---------------------------------------------------------------- attribute slots
//
// Each distinct attribute path of a flag has a slot (compile/attribute-slots.ts), read at most
// once per evaluation of the flag. The cache is per compiled flag (and per segment), so a
// prerequisite never clobbers its dependent's slots.
// perf: ten rules on two attributes read two attributes (bench/eval/README.md, "Attribute slots")

/** Stamps stay below 2^30, so `stamp` is always a Smi and storing it never allocates. */
const MAX_STAMP = 0x3fffffff

/** Starts an evaluation of the flag or segment owning `cache`: every slot becomes stale. */
function renewStamp(cache: AttributeCache): void {
  const stamp = cache.stamp
  cache.stamp = stamp < MAX_STAMP ? stamp + 1 : restartStamps(cache)
}

/**
 * On wrap-around: clears every slot's stamp to 0 (a value `stamp` never takes), so that a slot
 * last read 2^30 evaluations ago cannot pass for a current one. Returns the first stamp, 1.
 */
function restartStamps(cache: AttributeCache): number {
  cache.stamps.fill(0)
  return 1
}

/**
 * The value of slot `slot` for `context`: read once per evaluation, then from the cache. The
 * read is readAttributeWith's, so a Proxy's traps and a getter run just as without the cache,
 * only not twice.
 */
function readSlot(cache: AttributeCache, slot: number, context: Context): unknown {
  const stamp = cache.stamp
  if (cache.stamps[slot] === stamp) return cache.values[slot]
  const value = readAttributeWith(context, cache.paths[slot]!, cache.readers[slot]!)
  // why: a getter or Proxy trap may have evaluated this same flag again (for any context),
  // refilling its slots; then nothing cached before the read can be trusted
  if (cache.stamp !== stamp) renewStamp(cache)
  cache.values[slot] = value
  cache.stamps[slot] = cache.stamp
  return value
}

// ---------------------------------------------------------------- rules

/** The index of the first rule of `plan` that matches `context`; -1 when none does. */
function matchRules(plan: GeneralPlan, context: Context, segments: SegmentLookup): number {
  const cache = plan.cache
  renewStamp(cache)
  const rules = plan.rules
  let first = 0
  const index = plan.index
  if (index !== null) {
    const matched = matchIndexedRules(index, rules, context, segments, cache)
    if (matched >= 0) return matched
    first = index.count
  }
  for (let i = first; i < rules.length; i++) {
    if (matchesAllClauses(rules[i]!.clauses, context, segments, cache)) return i
  }
  return -1
}

/**
 * The first rule the index covers that matches, or -1. Every covered rule starts as a candidate;
 * the first candidate's slots are read in clause order and each value's mask is ANDed in, so a
 * value rules out at once every rule that does not list it. A rule still a candidate once its
 * slots are all applied matches. A rule the index cannot decide is checked clause by clause when
 * it is the first candidate. Attributes are read in the order the rules ask for them, and never
 * for a rule already ruled out, so no more attributes are read than clause by clause.

 * perf: the probe written out (not stringMask) keeps this out of its caller's inlining budget, so
 * its reads and probes stay inlined (bench/eval/README.md, "Inlining")
 */
function matchIndexedRules(
  index: RuleIndex,
  rules: readonly CompiledRule[],
  context: Context,
  segments: SegmentLookup,
  cache: AttributeCache,
): number {
  const ruleSlots = index.ruleSlots
  let candidates = index.all
  let applied = 0
  while (candidates !== 0) {
    const bit = candidates & -candidates
    const r = 31 - Math.clz32(bit)
    const slots = ruleSlots[r] as Int32Array | null
    if (slots === null) {
      if (matchesAllClauses(rules[r]!.clauses, context, segments, cache)) return r
    } else {
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!
        const slotBit = 1 << slot
        if ((applied & slotBit) !== 0) continue
        applied |= slotBit
        const reader = index.readers[slot]!
        const value =
          reader >= 0
            ? readNamed(context as Record<string, unknown>, reader)
            : (index.cachedSlots & slotBit) !== 0
              ? readSlot(cache, slot, context)
              : readAttributeWith(context, cache.paths[slot]!, cache.readers[slot]!)
        const lookup = index.slots[slot]!
        const strings = lookup.strings
        if (typeof value === 'string' && strings !== null) {
          // perf: stringMask's probe, written out (see above)
          const bits = lookup.stringBits
          let entry = sampleHash(value) & bits
          let mask = lookup.miss
          for (;;) {
            const listed = strings[entry]
            if (listed === undefined) break
            if (listed === value) {
              mask = lookup.stringMasks[entry]!
              break
            }
            entry = (entry + 1) & bits
          }
          candidates &= mask
        } else {
          candidates &= slotMask(lookup, value)
        }
        if ((candidates & bit) === 0) break
      }
      if ((candidates & bit) !== 0) return r
    }
    candidates &= ~bit
  }
  return -1
}

/**
 * matchIndexedRules for a DirectIndexPlan: every rule has its slots, and each slot is read once
 * with its named reader.
 */
function matchDirectIndex(plan: DirectIndexPlan, context: Context): number {
  const ruleSlots = plan.ruleSlots
  const readers = plan.readers
  const lookups = plan.lookups
  let candidates = plan.all
  let applied = 0
  while (candidates !== 0) {
    const bit = candidates & -candidates
    const r = 31 - Math.clz32(bit)
    const slots = ruleSlots[r]!
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!
      const slotBit = 1 << slot
      if ((applied & slotBit) !== 0) continue
      applied |= slotBit
      const value = readNamed(context as Record<string, unknown>, readers[slot]!)
      candidates &= probeMask(lookups[slot]!, value)
      if ((candidates & bit) === 0) break
    }
    if ((candidates & bit) !== 0) return r
  }
  return -1
}

/**
 * matchDirectIndex for a SingleIndexPlan: the first candidate either has its slot applied
 * already (it matches) or its slot is read now.
 */
function matchSingleClauseIndex(plan: SingleIndexPlan, context: Context): number {
  const ruleSlot = plan.ruleSlot
  const readers = plan.readers
  const lookups = plan.lookups
  let candidates = plan.all
  let applied = 0
  while (candidates !== 0) {
    const bit = candidates & -candidates
    const r = 31 - Math.clz32(bit)
    const slot = ruleSlot[r]!
    const slotBit = 1 << slot
    if ((applied & slotBit) !== 0) return r
    applied |= slotBit
    const value = readNamed(context as Record<string, unknown>, readers[slot]!)
    candidates &= probeMask(lookups[slot]!, value)
    if ((candidates & bit) !== 0) return r
  }
  return -1
}

/**
 * slotMask, with the string probe and sampleHash written out (the same hash: the table was
 * built with sampleHash, so change both together).
 * perf: no calls in the direct index loops (bench/eval/README.md, "Rule index")
 */
function probeMask(lookup: SlotIndex, value: unknown): number {
  const strings = lookup.strings
  if (typeof value !== 'string' || strings === null) return slotMask(lookup, value)
  const bits = lookup.stringBits
  const length = value.length
  let entry = 0
  if (length !== 0) {
    let hash = Math.imul(length ^ value.charCodeAt(0), 0x9e3779b1)
    hash = Math.imul(hash ^ value.charCodeAt(length - 1), 0x85ebca6b)
    hash = Math.imul(hash ^ value.charCodeAt(length >> 1), 0xc2b2ae35)
    entry = (hash ^ (hash >>> 16)) & bits
  }
  // why: terminates: the table is at most a quarter full, so an empty entry always comes
  for (;;) {
    const listed = strings[entry]
    if (listed === undefined) return lookup.miss
    if (listed === value) return lookup.stringMasks[entry]!
    entry = (entry + 1) & bits
  }
}

/**
 * The rules `value` (read in the slot of `lookup`) leaves as candidates. Missing (undefined,
 * null) or unlisted values keep only the rules without a clause on the slot. An array keeps a
 * rule when any element does: an indexed rule has at most one clause per slot, so this is `in`
 * on arrays.
 */
function slotMask(lookup: SlotIndex, value: unknown): number {
  if (value === undefined || value === null) return lookup.miss
  if (typeof value === 'string') return stringMask(lookup, value)
  if (!Array.isArray(value)) return otherMask(lookup, value)
  let mask = lookup.miss
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i]
    if (typeof element === 'string') mask |= stringMask(lookup, element)
    else if (element !== undefined && element !== null) mask |= otherMask(lookup, element)
  }
  return mask
}

/** The mask of a string value: a probe of the slot's table (see rule-index.ts, sampleHash). */
function stringMask(lookup: SlotIndex, value: string): number {
  const strings = lookup.strings
  if (strings === null) return otherMask(lookup, value)
  const bits = lookup.stringBits
  let i = sampleHash(value) & bits
  // why: terminates: the table is at most a quarter full, so an empty entry always comes
  for (;;) {
    const listed = strings[i]
    if (listed === undefined) return lookup.miss
    if (listed === value) return lookup.stringMasks[i]!
    i = (i + 1) & bits
  }
}

function otherMask(lookup: SlotIndex, value: unknown): number {
  const others = lookup.others
  if (others === null) return lookup.miss
  const mask = others.get(value)
  return mask === undefined ? lookup.miss : mask
}

function matchesAllClauses(
  clauses: readonly CompiledClause[],
  context: Context,
  segments: SegmentLookup,
  cache: AttributeCache,
): boolean {
  for (let i = 0; i < clauses.length; i++) {
    if (!matchesClause(clauses[i]!, context, segments, cache)) return false
  }
  return true
}

/**
 * A missing (undefined or null) attribute never matches, negated or not. An array attribute
 * matches when any element does; `negate` inverts the whole result.
 */
function matchesClause(
  clause: CompiledClause,
  context: Context,
  segments: SegmentLookup,
  cache: AttributeCache,
): boolean {
  if (clause.opcode === OP_SEGMENT_MATCH) {
    return matchesSegmentClause(clause, context, segments, cache)
  }
  const slot = clause.slot
  const value =
    slot < 0
      ? readAttributeWith(context, clause.path, clause.reader)
      : readSlot(cache, slot, context)
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
  } else if (clause.opcode === OP_IN_LIST) {
    // perf: the common operator without a call (bench/eval/README.md, "Inlining")
    const values = clause.values
    for (let i = 0; i < values.length; i++) {
      if (values[i] === value) {
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
  cache: AttributeCache,
): boolean {
  const stamp = cache.stamp
  const matched = segmentClauseResult(clause, context, segments)
  // why: the segment lookup and the segment's attribute reads may run caller code (a lookup, a
  // getter) that evaluates this flag again and refills its slots
  if (cache.stamp !== stamp) renewStamp(cache)
  return matched
}

function segmentClauseResult(
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
  const cache = segment.cache
  renewStamp(cache)
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    if (!matchesAllClauses(rule.clauses, context, NO_SEGMENTS, cache)) continue
    if (rule.weight < 0) return true
    const bucket = bucketContext(rule.bucketBy, rule.bucketReader, context, segment.saltPrefix)
    if (bucket < rule.weight) return true
  }
  return false
}

function serveRollout(serve: CompiledServe, context: Context, saltPrefix: string): number {
  const thresholds = serve.thresholds as Int32Array
  const bucket = bucketContext(serve.bucketBy, serve.bucketReader, context, saltPrefix)
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
function bucketContext(
  path: readonly string[],
  reader: number,
  context: Context,
  saltPrefix: string,
): number {
  const value = readAttributeWith(context, path, reader)
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
  let index: number
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
  return createDetail(flag.served[index] ?? null, index, reason)
}
