import { OPERATORS, type Operator } from '../model/flag.js'
import { parseAttributePath } from './attribute-path.js'
import { toEpochMs } from './date-time.js'
import {
  IN_SET_CUTOFF,
  OP_IN_LIST,
  OP_IN_SET,
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
  negate: boolean,
  values: readonly (string | number | boolean)[],
  valueSet: ReadonlySet<unknown> | null,
  patterns: readonly RegExp[] | null,
  versions: readonly CompiledSemVer[] | null,
): CompiledClause {
  return { opcode, path, negate, values, valueSet, patterns, versions }
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

/** Compiles one clause found at `at` (e.g. `rules.0.clauses.1`); throws a CompileProblem. */
export function compileClause(clause: unknown, at: string): CompiledClause {
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
  return createCompiledClause(
    opcode,
    path,
    clause.negate,
    Object.freeze(values),
    valueSet,
    patterns === null ? null : Object.freeze(patterns),
    versions === null ? null : Object.freeze(versions),
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
