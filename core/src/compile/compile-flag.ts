import { BUCKET_SCALE, FLAG_KINDS, type FlagKind, type WireFlag } from '../model/flag.js'
import type { JsonValue } from '../model/json.js'
import type { Reason } from '../model/reason.js'
import {
  REASON_FALLTHROUGH,
  REASON_FALLTHROUGH_ROLLOUT,
  createPrerequisiteFailedReason,
  createRuleMatchReason,
} from '../evaluate/reasons.js'
import { readerOf } from '../evaluate/read-attribute.js'
import { KEY_PATH, parseAttributePath } from './attribute-path.js'
import { createSlotTable, type SlotTable } from './attribute-slots.js'
import { compileClause, settleClauseSlots } from './compile-clause.js'
import { OP_SEGMENT_MATCH } from './operators.js'
import { MALFORMED_PLAN, choosePlan } from './plan.js'
import { CompileProblem, describeValue, fail, isIndex, isRecord } from './problem.js'
import { buildRuleIndex, isIndexed } from './rule-index.js'
import type {
  CompiledClause,
  CompiledFlag,
  CompiledPrerequisite,
  CompiledRule,
  CompiledServe,
  FlagPlan,
} from './types.js'

/*
 * FROZEN ARRAYS. Nothing the evaluator indexes in a loop is frozen: rules, clauses, clause values,
 * attribute paths, prerequisites, plan arrays, KEY_PATH and EMPTY. They are typed readonly, and
 * CompiledFlag is documented as opaque. What callers receive stays deep-frozen: `variations` and
 * the values in it; the evaluator serves from `served`, an unfrozen array of the same values.
 * perf: frozen arrays load slowly in hot loops on Node 20 (bench/eval/README.md, "Frozen arrays")
 */
const EMPTY: readonly never[] = []

export function createCompiledServe(
  variation: number,
  thresholds: Int32Array | null,
  bucketBy: readonly string[],
): CompiledServe {
  const bucketReader = thresholds === null ? -1 : readerOf(bucketBy)
  return { variation, thresholds, bucketBy, bucketReader }
}

export function createCompiledRule(
  id: string,
  clauses: readonly CompiledClause[],
  serve: CompiledServe,
  reason: Reason,
): CompiledRule {
  return { id, clauses, serve, reason }
}

export function createCompiledPrerequisite(
  key: string,
  variation: number,
  failedReason: Reason,
): CompiledPrerequisite {
  return { key, variation, failedReason }
}

/** The single factory for CompiledFlag: fixes the field order (one hidden class). */
export function createCompiledFlag(
  key: string,
  version: number,
  kind: FlagKind | null,
  on: boolean,
  variations: readonly JsonValue[],
  served: readonly JsonValue[],
  segmentKeys: readonly string[],
  problem: string | null,
  { planKind, plan }: FlagPlan,
): CompiledFlag {
  const servedType = servedTypeOf(served)
  // why: planKind and plan come from one FlagPlan, which TypeScript cannot follow once apart
  return {
    key,
    version,
    kind,
    on,
    variations,
    served,
    servedType,
    segmentKeys,
    problem,
    planKind,
    plan,
  } as CompiledFlag
}

/** CompiledFlag.servedType: the `typeof` all of `served` share ('object' for non-null objects). */
function servedTypeOf(served: readonly JsonValue[]): string {
  if (served.length === 0) return ''
  const first = served[0]
  if (first === null) return ''
  const type = typeof first
  for (let i = 1; i < served.length; i++) {
    const value = served[i]
    if (value === null || typeof value !== type) return ''
  }
  return type
}

/**
 * Compiles a wire flag once for repeated evaluation. Never throws: a flag that fails validation
 * (bad shape, variation index out of range, weights not summing to BUCKET_SCALE, an unknown
 * operator, an invalid `matches` pattern, timestamp or version) compiles to a flag that always
 * evaluates to ERROR/MALFORMED_FLAG, with the first problem found in `problem`. Segments are not
 * resolved here: a segmentMatch clause looks its segments up at evaluation time.
 *
 * @example
 * const compiled = compileFlag(wireFlag)
 * if (compiled.problem !== null) logger.warn(`flag ${compiled.key}: ${compiled.problem}`)
 */
export function compileFlag(flag: WireFlag): CompiledFlag {
  try {
    return compileValidFlag(flag)
  } catch (error) {
    return createMalformedFlag(flag, error)
  }
}

function createMalformedFlag(flag: unknown, error: unknown): CompiledFlag {
  let key = ''
  let version = -1
  let kind: FlagKind | null = null
  let problem = 'unexpected error while compiling'
  try {
    if (error instanceof CompileProblem) problem = error.message
    if (isRecord(flag)) {
      if (typeof flag.key === 'string') key = flag.key
      if (typeof flag.version === 'number') version = flag.version
      if (isFlagKind(flag.kind)) kind = flag.kind
    }
  } catch {
    // why: a hostile input (throwing getter) still yields a malformed flag, never an exception
  }
  return createCompiledFlag(key, version, kind, false, EMPTY, EMPTY, EMPTY, problem, MALFORMED_PLAN)
}

function isFlagKind(kind: unknown): kind is FlagKind {
  return typeof kind === 'string' && (FLAG_KINDS as readonly string[]).includes(kind)
}

function compileValidFlag(flag: unknown): CompiledFlag {
  if (!isRecord(flag)) fail('', `flag must be an object, got ${describeValue(flag)}`)
  const { key, kind, on, salt, version } = flag
  if (typeof key !== 'string' || key === '') fail('key', 'must be a non-empty string')
  if (!isFlagKind(kind)) fail('kind', `unknown kind ${describeValue(kind)}`)
  if (typeof version !== 'number') fail('version', 'must be a number')
  if (typeof on !== 'boolean') fail('on', 'must be a boolean')
  if (typeof salt !== 'string') fail('salt', 'must be a string')
  const variations = compileVariations(flag.variations, kind)
  const count = variations.length
  if (!isIndex(flag.offVariation, count)) fail('offVariation', outOfRange(flag.offVariation, count))
  const prerequisites = compilePrerequisites(flag.prerequisites)
  const targets = compileTargets(flag.targets, count)
  const slots = createSlotTable()
  const rules = compileRules(flag.rules, count, slots)
  const fallthrough = compileServe(flag.fallthrough, count, 'fallthrough')
  const index = buildRuleIndex(rules, slots.paths)
  settleClauseSlots(rules, slots.paths.length, (r) => isIndexed(index, r))
  const planned = choosePlan({
    on,
    offVariation: flag.offVariation,
    prerequisites,
    targets,
    rules,
    index,
    paths: slots.paths,
    fallthrough,
    fallthroughReason:
      fallthrough.thresholds === null ? REASON_FALLTHROUGH : REASON_FALLTHROUGH_ROLLOUT,
    saltPrefix: salt + '.',
  })
  const served = servedCopy(variations)
  const segmentKeys = collectSegmentKeys(rules)
  return createCompiledFlag(key, version, kind, on, variations, served, segmentKeys, null, planned)
}

/** The segment keys named by segmentMatch clauses, each once, in order of first use. */
function collectSegmentKeys(rules: readonly CompiledRule[]): readonly string[] {
  const keys = new Set<string>()
  for (const rule of rules) {
    for (const clause of rule.clauses) {
      if (clause.opcode !== OP_SEGMENT_MATCH) continue
      for (const value of clause.values) keys.add(value as string)
    }
  }
  return keys.size === 0 ? EMPTY : Array.from(keys)
}

function outOfRange(index: unknown, count: number): string {
  return `variation index ${describeValue(index)} is not an integer in [0, ${count})`
}

function compileVariations(raw: unknown, kind: FlagKind): readonly JsonValue[] {
  if (!Array.isArray(raw) || raw.length === 0) fail('variations', 'must be a non-empty array')
  const variations: JsonValue[] = []
  for (let i = 0; i < raw.length; i++) {
    const at = `variations.${i}`
    const value: unknown = raw[i]
    if (kind === 'boolean' && typeof value !== 'boolean') fail(at, 'must be a boolean')
    if (kind === 'string' && typeof value !== 'string') fail(at, 'must be a string')
    if (kind === 'number' && typeof value !== 'number') fail(at, 'must be a number')
    variations.push(freezeJson(value, at))
  }
  return Object.freeze(variations)
}

/**
 * The unfrozen array the evaluator serves from (see FROZEN ARRAYS), holding the same frozen values.
 * It starts as [null, …] so V8 gives it tagged (PACKED_ELEMENTS) storage, never unboxed doubles.
 * perf: loading a fractional variation then allocates nothing (bench/eval/README.md, "Allocation")
 */
function servedCopy(variations: readonly JsonValue[]): readonly JsonValue[] {
  const served: JsonValue[] = variations.map(() => null)
  for (let i = 0; i < variations.length; i++) served[i] = variations[i]!
  return served
}

/** A deep-frozen copy of a JSON value, so callers can never mutate what the store serves. */
function freezeJson(value: unknown, at: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(at, 'must be a finite number')
    return value
  }
  if (Array.isArray(value)) {
    const copy: JsonValue[] = []
    for (let i = 0; i < value.length; i++) copy.push(freezeJson(value[i], `${at}.${i}`))
    // why: frozen at runtime; JsonValue has no readonly array member to express it
    return Object.freeze(copy) as JsonValue[]
  }
  if (isRecord(value)) {
    const entries: [string, JsonValue][] = []
    for (const name of Object.keys(value)) {
      entries.push([name, freezeJson(value[name], `${at}.${name}`)])
    }
    // why: fromEntries defines own properties, so a "__proto__" key stays data, not a prototype
    return Object.freeze(Object.fromEntries(entries))
  }
  return fail(at, `is not a JSON value (${describeValue(value)})`)
}

function compilePrerequisites(raw: unknown): readonly CompiledPrerequisite[] {
  if (!Array.isArray(raw)) fail('prerequisites', 'must be an array')
  const prerequisites: CompiledPrerequisite[] = []
  for (let i = 0; i < raw.length; i++) {
    const at = `prerequisites.${i}`
    const prerequisite: unknown = raw[i]
    if (!isRecord(prerequisite)) fail(at, 'must be an object')
    const { flag, variation } = prerequisite
    if (typeof flag !== 'string' || flag === '') fail(`${at}.flag`, 'must be a non-empty string')
    if (!isIndex(variation, Number.MAX_SAFE_INTEGER)) {
      fail(`${at}.variation`, 'must be a non-negative integer')
    }
    prerequisites.push(
      createCompiledPrerequisite(flag, variation, createPrerequisiteFailedReason(flag)),
    )
  }
  return prerequisites
}

function compileTargets(raw: unknown, count: number): ReadonlyMap<string, number> | null {
  if (!Array.isArray(raw)) fail('targets', 'must be an array')
  const targets = new Map<string, number>()
  for (let i = 0; i < raw.length; i++) {
    const at = `targets.${i}`
    const target: unknown = raw[i]
    if (!isRecord(target)) fail(at, 'must be an object')
    const { variation, values } = target
    if (!isIndex(variation, count)) fail(`${at}.variation`, outOfRange(variation, count))
    if (!Array.isArray(values)) fail(`${at}.values`, 'must be an array')
    for (let j = 0; j < values.length; j++) {
      const value: unknown = values[j]
      if (typeof value !== 'string') fail(`${at}.values.${j}`, 'must be a string (a context key)')
      // The first target listing a key wins.
      if (!targets.has(value)) targets.set(value, variation)
    }
  }
  return targets.size === 0 ? null : targets
}

function compileRules(raw: unknown, count: number, slots: SlotTable): readonly CompiledRule[] {
  if (!Array.isArray(raw)) fail('rules', 'must be an array')
  const rules: CompiledRule[] = []
  for (let i = 0; i < raw.length; i++) {
    const at = `rules.${i}`
    const rule: unknown = raw[i]
    if (!isRecord(rule)) fail(at, 'must be an object')
    const { id, clauses } = rule
    if (typeof id !== 'string') fail(`${at}.id`, 'must be a string')
    if (!Array.isArray(clauses)) fail(`${at}.clauses`, 'must be an array')
    const compiled: CompiledClause[] = []
    for (let j = 0; j < clauses.length; j++) {
      compiled.push(compileClause(clauses[j], `${at}.clauses.${j}`, slots))
    }
    const serve = compileServe(rule.serve, count, `${at}.serve`)
    const reason = createRuleMatchReason(i, id, serve.thresholds !== null)
    rules.push(createCompiledRule(id, compiled, serve, reason))
  }
  return rules
}

function compileServe(serve: unknown, count: number, at: string): CompiledServe {
  if (!isRecord(serve)) fail(at, 'must be an object')
  const hasVariation = serve.variation !== undefined
  const hasRollout = serve.rollout !== undefined
  if (hasVariation === hasRollout) fail(at, 'must have exactly one of variation and rollout')
  if (hasVariation) {
    if (!isIndex(serve.variation, count))
      fail(`${at}.variation`, outOfRange(serve.variation, count))
    return createCompiledServe(serve.variation, null, EMPTY)
  }
  const rollout = serve.rollout
  if (!isRecord(rollout)) fail(`${at}.rollout`, 'must be an object')
  const bucketBy =
    rollout.bucketBy === undefined
      ? KEY_PATH
      : parseAttributePath(rollout.bucketBy, `${at}.rollout.bucketBy`)
  const weights = rollout.weights
  if (!Array.isArray(weights) || weights.length !== count) {
    fail(`${at}.rollout.weights`, `must be an array of one weight per variation (${count})`)
  }
  // Cumulative thresholds: variation i serves buckets [thresholds[i-1], thresholds[i]), so
  // raising the first variation's weight only moves contexts into it, never out of it.
  const thresholds = new Int32Array(count)
  let sum = 0
  for (let i = 0; i < count; i++) {
    const weight: unknown = weights[i]
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) {
      fail(`${at}.rollout.weights.${i}`, 'must be a non-negative integer')
    }
    sum += weight
    thresholds[i] = sum
  }
  if (sum !== BUCKET_SCALE) fail(`${at}.rollout.weights`, `must sum to ${BUCKET_SCALE}, got ${sum}`)
  return createCompiledServe(-1, thresholds, bucketBy)
}
