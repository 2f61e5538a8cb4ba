import { BUCKET_SCALE } from '../model/flag.js'
import type { WireSegment } from '../model/segment.js'
import { readerOf } from '../evaluate/read-attribute.js'
import { KEY_PATH, parseAttributePath } from './attribute-path.js'
import { createAttributeCache, createSlotTable, type SlotTable } from './attribute-slots.js'
import { compileClause, settleClauseSlots } from './compile-clause.js'
import { OP_SEGMENT_MATCH } from './operators.js'
import { CompileProblem, describeValue, fail, isRecord } from './problem.js'
import type { CompiledClause, CompiledSegment, CompiledSegmentRule } from './types.js'

// perf: not frozen, like every array the evaluator indexes (see compile-flag.ts, FROZEN ARRAYS)
const EMPTY: readonly never[] = []

export function createCompiledSegmentRule(
  id: string,
  clauses: readonly CompiledClause[],
  weight: number,
  bucketBy: readonly string[],
): CompiledSegmentRule {
  return { id, clauses, weight, bucketBy, bucketReader: readerOf(bucketBy) }
}

/** The single factory for CompiledSegment: fixes the field order (one hidden class). */
export function createCompiledSegment(init: CompiledSegment): CompiledSegment {
  return {
    key: init.key,
    version: init.version,
    included: init.included,
    excluded: init.excluded,
    rules: init.rules,
    saltPrefix: init.saltPrefix,
    problem: init.problem,
    cache: init.cache,
  }
}

/**
 * Compiles a wire segment once for repeated membership checks. Never throws: a segment that
 * fails validation (bad shape, a non-string key in `included` or `excluded`, a weight outside
 * [0, BUCKET_SCALE], a segmentMatch clause in a rule, any clause problem a flag would have)
 * compiles to a segment with `problem` set, which every clause referring to it treats as unknown.
 *
 * @example
 * const compiled = compileSegment(wireSegment)
 * if (compiled.problem !== null) logger.warn(`segment ${compiled.key}: ${compiled.problem}`)
 */
export function compileSegment(segment: WireSegment): CompiledSegment {
  try {
    return compileValidSegment(segment)
  } catch (error) {
    return createMalformedSegment(segment, error)
  }
}

function createMalformedSegment(segment: unknown, error: unknown): CompiledSegment {
  let key = ''
  let version = -1
  let problem = 'unexpected error while compiling'
  try {
    if (error instanceof CompileProblem) problem = error.message
    if (isRecord(segment)) {
      if (typeof segment.key === 'string') key = segment.key
      if (typeof segment.version === 'number') version = segment.version
    }
  } catch {
    // why: a hostile input (throwing getter) still yields a malformed segment, never an exception
  }
  return createCompiledSegment({
    key,
    version,
    included: null,
    excluded: null,
    rules: EMPTY,
    saltPrefix: '',
    problem,
    cache: createAttributeCache(EMPTY),
  })
}

function compileValidSegment(segment: unknown): CompiledSegment {
  if (!isRecord(segment)) fail('', `segment must be an object, got ${describeValue(segment)}`)
  const { key, version, salt } = segment
  if (typeof key !== 'string' || key === '') fail('key', 'must be a non-empty string')
  if (typeof version !== 'number') fail('version', 'must be a number')
  if (typeof salt !== 'string') fail('salt', 'must be a string')
  const included = compileKeySet(segment.included, 'included')
  const excluded = compileKeySet(segment.excluded, 'excluded')
  const slots = createSlotTable()
  const rules = compileSegmentRules(segment.rules, slots)
  settleClauseSlots(rules, slots.paths.length, () => false)
  return createCompiledSegment({
    key,
    version,
    included,
    excluded,
    rules,
    saltPrefix: salt + '.',
    problem: null,
    cache: createAttributeCache(slots.paths),
  })
}

/**
 * A Set of context keys; null when the list is empty.
 * perf: always a Set, unlike short `in` lists: membership stays O(1) for 100,000 keys.
 */
function compileKeySet(raw: unknown, at: string): ReadonlySet<string> | null {
  if (!Array.isArray(raw)) fail(at, 'must be an array')
  for (let i = 0; i < raw.length; i++) {
    if (typeof raw[i] !== 'string') fail(`${at}.${i}`, 'must be a string (a context key)')
  }
  return raw.length === 0 ? null : new Set(raw as string[])
}

function isWeight(weight: unknown): weight is number {
  return (
    typeof weight === 'number' && Number.isInteger(weight) && weight >= 0 && weight <= BUCKET_SCALE
  )
}

function compileSegmentRules(raw: unknown, slots: SlotTable): readonly CompiledSegmentRule[] {
  if (!Array.isArray(raw)) fail('rules', 'must be an array')
  const rules: CompiledSegmentRule[] = []
  for (let i = 0; i < raw.length; i++) {
    const at = `rules.${i}`
    const rule: unknown = raw[i]
    if (!isRecord(rule)) fail(at, 'must be an object')
    const { id, clauses, weight } = rule
    // why: the id only labels the rule (segment matches report no rule), so it may be absent
    if (id !== undefined && typeof id !== 'string') fail(`${at}.id`, 'must be a string')
    if (!Array.isArray(clauses)) fail(`${at}.clauses`, 'must be an array')
    const compiled: CompiledClause[] = []
    for (let j = 0; j < clauses.length; j++) {
      const clause = compileClause(clauses[j], `${at}.clauses.${j}`, slots)
      if (clause.opcode === OP_SEGMENT_MATCH) {
        const why = 'segment rules cannot use segmentMatch (segments do not nest)'
        fail(`${at}.clauses.${j}.op`, why)
      }
      compiled.push(clause)
    }
    if (weight !== undefined && !isWeight(weight)) {
      const got = describeValue(weight)
      fail(`${at}.weight`, `must be an integer in [0, ${BUCKET_SCALE}], got ${got}`)
    }
    const bucketBy =
      rule.bucketBy === undefined ? KEY_PATH : parseAttributePath(rule.bucketBy, `${at}.bucketBy`)
    rules.push(
      createCompiledSegmentRule(id ?? '', compiled, weight === undefined ? -1 : weight, bucketBy),
    )
  }
  return rules
}
