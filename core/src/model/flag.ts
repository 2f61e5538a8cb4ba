import type { JsonValue } from './json.js'

/** The kinds of value a flag can serve. */
export const FLAG_KINDS = ['boolean', 'string', 'number', 'json'] as const
export type FlagKind = (typeof FLAG_KINDS)[number]

/**
 * Clause operators. Their exact semantics (types, arrays, negation, missing attributes) are in
 * docs/evaluation.md under "Clauses and operators" and pinned by the test vectors.
 */
export const OPERATORS = [
  'in',
  'startsWith',
  'endsWith',
  'contains',
  'matches',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'before',
  'after',
  'semVerEqual',
  'semVerLessThan',
  'semVerGreaterThan',
  'segmentMatch',
] as const
export type Operator = (typeof OPERATORS)[number]

/** Rollout weights are in thousandths of a percent: they sum to BUCKET_SCALE. */
export const BUCKET_SCALE = 100_000

export interface Clause {
  attribute: string
  op: Operator
  values: JsonValue[]
  negate: boolean
}

export interface Rollout {
  /** Context attribute to bucket by; the context key when absent. */
  bucketBy?: string
  /** One weight per variation, summing to BUCKET_SCALE. */
  weights: number[]
}

export type Serve = { variation: number } | { rollout: Rollout }

export interface Rule {
  id: string
  description?: string
  clauses: Clause[]
  serve: Serve
  /** Set on rules added by a targeted kill switch; evaluated like any other rule. */
  kill?: boolean
}

export interface Target {
  variation: number
  values: string[]
}

export interface Prerequisite {
  flag: string
  variation: number
}

/** A flag's configuration in one environment. */
export interface FlagEnvConfig {
  on: boolean
  offVariation: number
  targets: Target[]
  rules: Rule[]
  fallthrough: Serve
  prerequisites: Prerequisite[]
  /** Bucketing salt; distinct per flag so flags bucket independently. */
  salt: string
}

/** A flag as SDKs receive it: the shared definition merged with one environment's config. */
export interface WireFlag extends FlagEnvConfig {
  key: string
  kind: FlagKind
  variations: JsonValue[]
  clientSide: boolean
  /** Version of this flag's config in its environment (bumped on every change). */
  version: number
}
