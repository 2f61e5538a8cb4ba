import { OPERATORS, type Operator } from '../model/flag.js'
import { parseAttributePath } from './attribute-path.js'
import { IN_SET_CUTOFF, OP_IN_LIST, OP_IN_SET, isOperand, operatorSpec } from './operators.js'
import { describeValue, fail, isRecord } from './problem.js'
import type { CompiledClause } from './types.js'

export function createCompiledClause(
  opcode: number,
  path: readonly string[],
  negate: boolean,
  values: readonly (string | number | boolean)[],
  valueSet: ReadonlySet<unknown> | null,
): CompiledClause {
  return { opcode, path, negate, values, valueSet }
}

function isOperator(op: unknown): op is Operator {
  return typeof op === 'string' && (OPERATORS as readonly string[]).includes(op)
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
  const values: (string | number | boolean)[] = []
  for (let i = 0; i < raw.length; i++) {
    const value: unknown = raw[i]
    if (!isOperand(spec.operand, value)) {
      fail(
        `${at}.values.${i}`,
        `operator "${op}" needs ${spec.operand} values, got ${describeValue(value)}`,
      )
    }
    values.push(value as string | number | boolean)
  }
  let opcode = spec.opcode
  let valueSet: ReadonlySet<unknown> | null = null
  if (opcode === OP_IN_LIST && values.length > IN_SET_CUTOFF) {
    opcode = OP_IN_SET
    valueSet = new Set(values)
  }
  return createCompiledClause(opcode, path, clause.negate, Object.freeze(values), valueSet)
}
