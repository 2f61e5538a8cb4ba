import { OPERATORS, type Operator } from '../model/flag.js'
import { readerOf } from '../evaluate/read-attribute.js'
import { parseAttributePath } from './attribute-path.js'
import { slotOf, type SlotTable } from './attribute-slots.js'
import { toEpochMs } from './date-time.js'
import {
  IN_SET_CUTOFF,
  OP_IN_LIST,
  OP_IN_SET,
  OP_SEGMENT_MATCH,
  isOperand,
  operatorSpec,
  type OperandKind,
} from './operators.js'
import { describeValue, fail, isRecord } from './problem.js'
import { parseSemVer, type CompiledSemVer } from './semver.js'
import type { CompiledClause } from './types.js'

export function createCompiledClause(
  opcode: number,
  path: readonly string[],
  reader: number,
  slot: number,
  negate: boolean,
  values: readonly (string | number | boolean)[],
  valueSet: ReadonlySet<unknown> | null,
  patterns: readonly RegExp[] | null,
  versions: readonly CompiledSemVer[] | null,
): CompiledClause {
  return { opcode, path, reader, slot, negate, values, valueSet, patterns, versions }
}

function isOperator(op: unknown): op is Operator {
  return typeof op === 'string' && (OPERATORS as readonly string[]).includes(op)
}

const OPERAND_NAMES: Record<OperandKind, string> = {
  primitive: 'string, number or boolean',
  string: 'string',
  number: 'number',
  pattern: 'regular expression string',
  timestamp: 'ISO 8601 timestamp string or epoch-millisecond number',
  semver: 'semantic version string',
  segmentKey: 'segment key string',
}

/**
 * Compiles one clause found at `at` (e.g. `rules.0.clauses.1`); throws a CompileProblem. Its
 * attribute gets a slot in `slots`, the table of the flag or segment being compiled.
 */
export function compileClause(clause: unknown, at: string, slots: SlotTable): CompiledClause {
  if (!isRecord(clause)) fail(at, `must be an object, got ${describeValue(clause)}`)
  const path = parseAttributePath(clause.attribute, `${at}.attribute`)
  const op = clause.op
  if (!isOperator(op)) fail(`${at}.op`, `unknown operator ${describeValue(op)}`)
  const spec = operatorSpec(op)
  if (spec === undefined) fail(`${at}.op`, `operator "${op}" is not supported yet`)
  if (typeof clause.negate !== 'boolean') fail(`${at}.negate`, 'must be a boolean')
  const raw = clause.values
  if (!Array.isArray(raw)) fail(`${at}.values`, 'must be an array')
  const operand = spec.operand
  const values: (string | number | boolean)[] = []
  const patterns: RegExp[] | null = operand === 'pattern' ? [] : null
  const versions: CompiledSemVer[] | null = operand === 'semver' ? [] : null
  for (let i = 0; i < raw.length; i++) {
    const value: unknown = raw[i]
    const valueAt = `${at}.values.${i}`
    if (!isOperand(operand, value)) {
      const got = describeValue(value)
      fail(valueAt, `operator "${op}" needs ${OPERAND_NAMES[operand]} values, got ${got}`)
    }
    const primitive = value as string | number | boolean
    if (patterns !== null) patterns.push(compilePattern(primitive as string, valueAt))
    if (versions !== null) {
      const version = parseSemVer(primitive as string)
      if (version === null) fail(valueAt, `invalid semantic version ${describeValue(primitive)}`)
      versions.push(version)
    }
    if (operand === 'timestamp') {
      const time = toEpochMs(primitive)
      if (Number.isNaN(time)) {
        const got = describeValue(primitive)
        fail(valueAt, `invalid timestamp ${got} (want e.g. "2025-01-31T12:00:00Z")`)
      }
      values.push(time)
    } else {
      values.push(primitive)
    }
  }
  let opcode = spec.opcode
  let valueSet: ReadonlySet<unknown> | null = null
  if (opcode === OP_IN_LIST && values.length > IN_SET_CUTOFF) {
    opcode = OP_IN_SET
    valueSet = new Set(values)
  }
  // why: a segmentMatch clause never reads its attribute, so it takes no slot
  const slot = opcode === OP_SEGMENT_MATCH ? -1 : slotOf(slots, clause.attribute as string, path)
  return createCompiledClause(
    opcode,
    path,
    opcode === OP_SEGMENT_MATCH ? -1 : readerOf(path),
    slot,
    clause.negate,
    // perf: scanned in the clause loop, so not frozen (compile-flag.ts, FROZEN ARRAYS)
    values,
    valueSet,
    patterns,
    versions,
  )
}

/** Builds a `matches` pattern once: no flags, so `test()` is stateless and searches anywhere. */
function compilePattern(source: string, at: string): RegExp {
  try {
    return new RegExp(source)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return fail(at, `invalid regular expression ${describeValue(source)}: ${reason}`)
  }
}

/**
 * Gives slot -1 to every clause that is the only reader of its path, so that it reads the path
 * directly: a clause checked clause by clause reads through the cache only when another such
 * clause, or the rule index, reads the same path. Clauses of rules the index decides are left
 * alone (the index reads their slots). Replaces clause objects in place in the (unfrozen) arrays.
 * perf: the cache costs a path with one reader more than it saves (bench/eval/README.md,
 * "Attribute slots")
 */
export function settleClauseSlots(
  rules: readonly { readonly clauses: readonly CompiledClause[] }[],
  slotCount: number,
  indexed: (rule: number) => boolean,
): void {
  const readers = new Int32Array(slotCount)
  const indexReads = new Uint8Array(slotCount)
  for (let r = 0; r < rules.length; r++) {
    const clauses = rules[r]!.clauses
    for (let i = 0; i < clauses.length; i++) {
      const slot = clauses[i]!.slot
      if (slot < 0) continue
      if (indexed(r)) indexReads[slot] = 1
      else readers[slot]!++
    }
  }
  for (let r = 0; r < rules.length; r++) {
    if (indexed(r)) continue
    const clauses = rules[r]!.clauses as CompiledClause[]
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i]!
      const slot = clause.slot
      if (slot < 0 || readers[slot]! + indexReads[slot]! > 1) continue
      clauses[i] = createCompiledClause(
        clause.opcode,
        clause.path,
        clause.reader,
        -1,
        clause.negate,
        clause.values,
        clause.valueSet,
        clause.patterns,
        clause.versions,
      )
    }
  }
}
