import type { FlagKind } from '../model/flag.js'
import type { JsonValue } from '../model/json.js'
import type { Reason } from '../model/reason.js'

// The compiled, evaluation-ready form of a flag. Every struct is built by one factory that sets
// every field (null, never absent), so V8 sees one hidden class per struct.

/** One clause, with its operator reduced to an opcode (see `operators.ts`). */
export interface CompiledClause {
  readonly opcode: number
  /** Attribute path: `'device.os'` is `['device', 'os']`; `'key'` is the context key. */
  readonly path: readonly string[]
  readonly negate: boolean
  /** The clause values, already checked against the operator's operand type. */
  readonly values: readonly (string | number | boolean)[]
  /** The values as a Set, for `in` lists longer than the cutoff; null otherwise. */
  readonly valueSet: ReadonlySet<unknown> | null
}

/** What a rule or the fallthrough serves: a fixed variation or a rollout. */
export interface CompiledServe {
  /** The fixed variation index; -1 for a rollout. */
  readonly variation: number
  /** Cumulative rollout weights (one per variation, the last is BUCKET_SCALE); null if fixed. */
  readonly thresholds: Int32Array | null
  /** Attribute path bucketed on (the context key by default); empty when fixed. */
  readonly bucketBy: readonly string[]
}

export interface CompiledRule {
  readonly id: string
  readonly clauses: readonly CompiledClause[]
  readonly serve: CompiledServe
  /** The frozen RULE_MATCH reason this rule reports. */
  readonly reason: Reason
}

export interface CompiledPrerequisite {
  readonly key: string
  readonly variation: number
  /** The frozen PREREQUISITE_FAILED reason reported when this prerequisite fails. */
  readonly failedReason: Reason
}

/**
 * A flag compiled once for repeated evaluation (`compileFlag`). Treat it as read-only and opaque
 * apart from `key`, `version`, `kind`, `on`, `variations` and `problem`: its layout may change.
 */
export interface CompiledFlag {
  readonly key: string
  readonly version: number
  /** Null only when the flag is malformed and its kind was not valid. */
  readonly kind: FlagKind | null
  readonly on: boolean
  /** Deep-frozen copies of the variation values. */
  readonly variations: readonly JsonValue[]
  readonly offVariation: number
  readonly prerequisites: readonly CompiledPrerequisite[]
  /** Context key to variation index over all individual targets; null when there are none. */
  readonly targets: ReadonlyMap<string, number> | null
  readonly rules: readonly CompiledRule[]
  readonly fallthrough: CompiledServe
  readonly fallthroughReason: Reason
  /** `salt + '.'`, the prefix hashed in front of the bucketed value. */
  readonly saltPrefix: string
  /** Why the flag failed validation (`'rules.0.clauses.1.op: …'`); null when it is valid. */
  readonly problem: string | null
}
