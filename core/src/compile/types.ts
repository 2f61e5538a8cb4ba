import type { FlagKind } from '../model/flag.js'
import type { JsonValue } from '../model/json.js'
import type { Reason } from '../model/reason.js'
import type { CompiledSemVer } from './semver.js'

// The compiled, evaluation-ready form of a flag. Every struct is built by one factory that sets
// every field (null, never absent), so V8 sees one hidden class per struct.

/** One clause, with its operator reduced to an opcode (see `operators.ts`). */
export interface CompiledClause {
  readonly opcode: number
  /** Attribute path: `'device.os'` is `['device', 'os']`; `'key'` is the context key. */
  readonly path: readonly string[]
  readonly negate: boolean
  /**
   * The clause values, checked against the operator's operand type: as written, except that
   * `before`/`after` values are epoch ms. For `segmentMatch`, the segment keys.
   */
  readonly values: readonly (string | number | boolean)[]
  /** The values as a Set, for `in` lists longer than the cutoff; null otherwise. */
  readonly valueSet: ReadonlySet<unknown> | null
  /** `matches`: one RegExp per value, built once; null for other operators. */
  readonly patterns: readonly RegExp[] | null
  /** `semVer*`: one parsed version per value; null for other operators. */
  readonly versions: readonly CompiledSemVer[] | null
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
  /** Keys of the segments the flag's rules refer to (segmentMatch), each once; empty if none. */
  readonly segmentKeys: readonly string[]
  /** Why the flag failed validation (`'rules.0.clauses.1.op: …'`); null when it is valid. */
  readonly problem: string | null
}

export interface CompiledSegmentRule {
  readonly id: string
  readonly clauses: readonly CompiledClause[]
  /** Admitted share of matching contexts, in [0, BUCKET_SCALE]; -1 admits all (no weight). */
  readonly weight: number
  /** Attribute path bucketed on for `weight` (the context key by default). */
  readonly bucketBy: readonly string[]
}

/**
 * A segment compiled once for repeated membership checks (`compileSegment`). Treat it as
 * read-only and opaque apart from `key`, `version` and `problem`: its layout may change.
 */
export interface CompiledSegment {
  readonly key: string
  readonly version: number
  /** Context keys always in the segment (unless excluded); null when there are none. */
  readonly included: ReadonlySet<string> | null
  /** Context keys never in the segment; null when there are none. */
  readonly excluded: ReadonlySet<string> | null
  readonly rules: readonly CompiledSegmentRule[]
  /** `salt + '.'`, the prefix hashed in front of a weighted rule's bucketed value. */
  readonly saltPrefix: string
  /**
   * Why the segment failed validation (`'rules.0.weight: …'`); null when it is valid. A
   * malformed segment is treated like an unknown one by every clause that refers to it.
   */
  readonly problem: string | null
}
