import {
  compileFlag,
  type FlagEnvConfig,
  type FlagKind,
  type JsonValue,
  type Serve,
} from '@switchyard/core'
import { eq } from 'drizzle-orm'
import type { Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { FlagConfigRow, FlagRow, StoredVariation } from '../db/schema/index.js'
import type { FieldError } from './errors.js'
import { toWireFlag } from './wire.js'

/** Config fields a caller may write; `salt` and `version` are the server's. */
export type ConfigInput = Omit<FlagEnvConfig, 'salt' | 'rules'> & {
  rules: Array<Omit<FlagEnvConfig['rules'][number], 'id'> & { id?: string | undefined }>
}

function matchesKind(kind: FlagKind, value: JsonValue): boolean {
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean'
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'json':
      return true
  }
}

/** Checks a flag's variations: at least two, each of the flag's kind, no two alike. */
export function validateVariations(kind: FlagKind, variations: StoredVariation[]): FieldError[] {
  const errors: FieldError[] = []
  if (variations.length < 2) {
    errors.push({
      path: 'variations',
      code: 'too_small',
      message: 'a flag needs at least 2 variations',
    })
  }
  const seen = new Set<string>()
  variations.forEach((v, i) => {
    if (!matchesKind(kind, v.value)) {
      errors.push({
        path: `variations.${i}.value`,
        code: 'invalid_type',
        message: `must be a ${kind} value`,
      })
    }
    const json = JSON.stringify(v.value)
    if (seen.has(json))
      errors.push({
        path: `variations.${i}.value`,
        code: 'duplicate',
        message: 'variation values must be distinct',
      })
    seen.add(json)
  })
  return errors
}

function checkServe(serve: Serve, count: number, path: string, errors: FieldError[]) {
  if ('variation' in serve) {
    if (serve.variation >= count) {
      errors.push({
        path: `${path}.variation`,
        code: 'out_of_range',
        message: `variation index ${serve.variation} does not exist (the flag has ${count})`,
      })
    }
  } else if (serve.rollout.weights.length !== count) {
    errors.push({
      path: `${path}.rollout.weights`,
      code: 'invalid_length',
      message: `needs one weight per variation (${count})`,
    })
  }
}

/** Checks a config against its flag's variations: every index exists, one weight per variation. */
export function validateConfig(config: ConfigInput, count: number): FieldError[] {
  const errors: FieldError[] = []
  if (config.offVariation >= count) {
    errors.push({
      path: 'offVariation',
      code: 'out_of_range',
      message: `variation index ${config.offVariation} does not exist (the flag has ${count})`,
    })
  }
  checkServe(config.fallthrough, count, 'fallthrough', errors)
  config.targets.forEach((t, i) => {
    if (t.variation >= count)
      errors.push({
        path: `targets.${i}.variation`,
        code: 'out_of_range',
        message: `variation index ${t.variation} does not exist`,
      })
  })
  const ids = new Set<string>()
  config.rules.forEach((r, i) => {
    checkServe(r.serve, count, `rules.${i}.serve`, errors)
    if (r.id !== undefined) {
      if (ids.has(r.id))
        errors.push({
          path: `rules.${i}.id`,
          code: 'duplicate',
          message: `rule id '${r.id}' is used twice`,
        })
      ids.add(r.id)
    }
  })
  return errors
}

/** segmentMatch clauses must name segments that exist in this environment. */
export async function checkSegmentRefs(
  tx: Tx,
  env: string,
  config: ConfigInput,
): Promise<FieldError[]> {
  const refs: Array<{ path: string; key: unknown }> = []
  config.rules.forEach((rule, r) =>
    rule.clauses.forEach((clause, c) => {
      if (clause.op !== 'segmentMatch') return
      clause.values.forEach((key, v) =>
        refs.push({ path: `rules.${r}.clauses.${c}.values.${v}`, key }),
      )
    }),
  )
  if (refs.length === 0) return []
  const rows = await tx
    .select({ key: tables.segments.key })
    .from(tables.segments)
    .where(eq(tables.segments.envKey, env))
  const known = new Set(rows.map((r) => r.key))
  return refs
    .filter((ref) => typeof ref.key !== 'string' || !known.has(ref.key))
    .map((ref) => ({
      path: ref.path,
      code: 'not_found',
      message:
        typeof ref.key === 'string'
          ? `segment '${ref.key}' does not exist in '${env}'`
          : 'must be a segment key',
    }))
}

/** A compiler problem (`rules.0.clauses.1: message`) as a field error. */
export function problemToError(
  problem: string,
  code = 'invalid_config',
  rename: (path: string) => string = (p) => p,
): FieldError {
  const match = /^([\w.]+): (.*)$/.exec(problem)
  return { path: match ? rename(match[1]!) : '', code, message: match?.[2] ?? problem }
}

/**
 * Every problem the compiler finds, not just the first: the compiler stops at one, so a config
 * that fails is compiled again rule by rule to name each rule that is wrong.
 */
export function compileProblems(
  flag: FlagRow,
  row: FlagConfigRow,
  config: FlagEnvConfig,
): FieldError[] {
  const whole = compileFlag(toWireFlag(flag, { ...row, config }))
  if (!whole.problem) return []
  const errors: FieldError[] = []
  config.rules.forEach((rule, i) => {
    const single = compileFlag(toWireFlag(flag, { ...row, config: { ...config, rules: [rule] } }))
    if (single.problem?.startsWith('rules.0'))
      errors.push(
        problemToError(single.problem, 'invalid_config', (p) =>
          p.replace(/^rules\.0/, `rules.${i}`),
        ),
      )
  })
  const withoutRules = compileFlag(toWireFlag(flag, { ...row, config: { ...config, rules: [] } }))
  if (withoutRules.problem) errors.push(problemToError(withoutRules.problem))
  return errors.length > 0 ? errors : [problemToError(whole.problem)]
}
