import type { Operator } from '../model/flag.js'
import { TIME_REGISTER, readTimestampRegister } from './date-time.js'
import { compareRegistersTo, parseSemVerRegisters, type CompiledSemVer } from './semver.js'
import type { CompiledClause } from './types.js'

// The operator table: each implemented operator compiles to a small integer opcode, and
// `matchOperand` is one switch over it (no closures, no eval: CSP-safe and monomorphic).

export const OP_IN_LIST = 0
export const OP_IN_SET = 1
export const OP_STARTS_WITH = 2
export const OP_ENDS_WITH = 3
export const OP_CONTAINS = 4
export const OP_LESS_THAN = 5
export const OP_LESS_THAN_OR_EQUAL = 6
export const OP_GREATER_THAN = 7
export const OP_GREATER_THAN_OR_EQUAL = 8
export const OP_MATCHES = 9
export const OP_BEFORE = 10
export const OP_AFTER = 11
export const OP_SEMVER_EQUAL = 12
export const OP_SEMVER_LESS_THAN = 13
export const OP_SEMVER_GREATER_THAN = 14
/** Handled by the evaluator itself (it needs the segment lookup), never by matchOperand. */
export const OP_SEGMENT_MATCH = 15

/**
 * `in` lists longer than this are compiled to a Set.
 * perf: a `===` scan beats Set.has on short lists (bench/eval/README.md, "Short in lists")
 */
export const IN_SET_CUTOFF = 8

/**
 * What every clause value of an operator must be; other values make the flag malformed.
 * `pattern`: a string that compiles as a RegExp; `timestamp`: an accepted ISO 8601 string or a
 * finite number (epoch ms); `semver`: a version string; `segmentKey`: a non-empty string.
 */
export type OperandKind =
  'primitive' | 'string' | 'number' | 'pattern' | 'timestamp' | 'semver' | 'segmentKey'

export interface OperatorSpec {
  readonly opcode: number
  readonly operand: OperandKind
}

const SPECS: Record<Operator, OperatorSpec> = {
  in: { opcode: OP_IN_LIST, operand: 'primitive' },
  startsWith: { opcode: OP_STARTS_WITH, operand: 'string' },
  endsWith: { opcode: OP_ENDS_WITH, operand: 'string' },
  contains: { opcode: OP_CONTAINS, operand: 'string' },
  lessThan: { opcode: OP_LESS_THAN, operand: 'number' },
  lessThanOrEqual: { opcode: OP_LESS_THAN_OR_EQUAL, operand: 'number' },
  greaterThan: { opcode: OP_GREATER_THAN, operand: 'number' },
  greaterThanOrEqual: { opcode: OP_GREATER_THAN_OR_EQUAL, operand: 'number' },
  matches: { opcode: OP_MATCHES, operand: 'pattern' },
  before: { opcode: OP_BEFORE, operand: 'timestamp' },
  after: { opcode: OP_AFTER, operand: 'timestamp' },
  semVerEqual: { opcode: OP_SEMVER_EQUAL, operand: 'semver' },
  semVerLessThan: { opcode: OP_SEMVER_LESS_THAN, operand: 'semver' },
  semVerGreaterThan: { opcode: OP_SEMVER_GREATER_THAN, operand: 'semver' },
  segmentMatch: { opcode: OP_SEGMENT_MATCH, operand: 'segmentKey' },
}

/** The spec of an operator, or undefined for an unknown one. */
export function operatorSpec(op: Operator): OperatorSpec | undefined {
  return Object.hasOwn(SPECS, op) ? SPECS[op] : undefined
}

/**
 * Whether `value` has the right JSON type for an operator of this kind. Patterns, timestamps and
 * versions must also parse; the clause compiler checks that.
 */
export function isOperand(kind: OperandKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
    case 'pattern':
    case 'semver':
      return typeof value === 'string'
    case 'segmentKey':
      return typeof value === 'string' && value !== ''
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'timestamp':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    case 'primitive':
      return (
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      )
  }
}

/**
 * Whether one attribute value (never null, undefined or an array) matches any of the clause's
 * values under its operator. A value of the wrong type, a string that is not a timestamp (before,
 * after) or not a version (semVer*), never matches. Allocates nothing: patterns, timestamps and
 * versions of the clause were compiled once, and the attribute is parsed without allocating.
 */
export function matchOperand(clause: CompiledClause, value: unknown): boolean {
  const values = clause.values
  switch (clause.opcode) {
    case OP_IN_LIST:
      for (let i = 0; i < values.length; i++) if (values[i] === value) return true
      return false
    case OP_IN_SET:
      return (clause.valueSet as ReadonlySet<unknown>).has(value)
    case OP_STARTS_WITH:
      if (typeof value !== 'string') return false
      for (let i = 0; i < values.length; i++) if (value.startsWith(values[i] as string)) return true
      return false
    case OP_ENDS_WITH:
      if (typeof value !== 'string') return false
      for (let i = 0; i < values.length; i++) if (value.endsWith(values[i] as string)) return true
      return false
    case OP_CONTAINS:
      if (typeof value !== 'string') return false
      for (let i = 0; i < values.length; i++) if (value.includes(values[i] as string)) return true
      return false
    case OP_LESS_THAN:
      if (typeof value !== 'number') return false
      for (let i = 0; i < values.length; i++) if (value < (values[i] as number)) return true
      return false
    case OP_LESS_THAN_OR_EQUAL:
      if (typeof value !== 'number') return false
      for (let i = 0; i < values.length; i++) if (value <= (values[i] as number)) return true
      return false
    case OP_GREATER_THAN:
      if (typeof value !== 'number') return false
      for (let i = 0; i < values.length; i++) if (value > (values[i] as number)) return true
      return false
    case OP_GREATER_THAN_OR_EQUAL:
      if (typeof value !== 'number') return false
      for (let i = 0; i < values.length; i++) if (value >= (values[i] as number)) return true
      return false
    case OP_MATCHES: {
      if (typeof value !== 'string') return false
      // why: built without the g or y flag, so test() keeps no lastIndex state between calls
      const patterns = clause.patterns as readonly RegExp[]
      for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(value)) return true
      return false
    }
    case OP_BEFORE: {
      if (!readTimestampRegister(value)) return false
      const time = TIME_REGISTER[0]!
      for (let i = 0; i < values.length; i++) if (time < (values[i] as number)) return true
      return false
    }
    case OP_AFTER: {
      if (!readTimestampRegister(value)) return false
      const time = TIME_REGISTER[0]!
      for (let i = 0; i < values.length; i++) if (time > (values[i] as number)) return true
      return false
    }
    case OP_SEMVER_EQUAL:
      return matchSemVer(clause.versions as readonly CompiledSemVer[], value, 0)
    case OP_SEMVER_LESS_THAN:
      return matchSemVer(clause.versions as readonly CompiledSemVer[], value, -1)
    case OP_SEMVER_GREATER_THAN:
      return matchSemVer(clause.versions as readonly CompiledSemVer[], value, 1)
    default:
      return false
  }
}

/** Whether `value` is a version that compares as `sign` (-1, 0, 1) to any of `versions`. */
function matchSemVer(versions: readonly CompiledSemVer[], value: unknown, sign: number): boolean {
  if (typeof value !== 'string' || !parseSemVerRegisters(value)) return false
  for (let i = 0; i < versions.length; i++) {
    if (compareRegistersTo(versions[i]!) === sign) return true
  }
  return false
}
