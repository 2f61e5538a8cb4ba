import type { FlagKind } from '../model/flag.js'
import type { JsonValue } from '../model/json.js'
import type { Reason } from '../model/reason.js'
import type { CompiledSemVer } from './semver.js'

// The compiled, evaluation-ready form of a flag. Every struct is built by one factory that sets
// every field (null, never absent), so V8 sees one hidden class per struct.

/**
 * The attribute values one flag (or segment) has read during its current evaluation, one slot
 * per distinct attribute path (see `attribute-slots.ts`). Slot `i` holds a value read in this
 * evaluation when `stamps[i] === stamp`; the evaluator moves `stamp` on at the start of every
 * evaluation of the flag, which invalidates every slot at once without touching them. This is
 * the one mutable part of a compiled flag: JavaScript is single-threaded, and the evaluator
 * detects a re-entrant evaluation of the same flag (from a context getter or a lookup) and
 * moves `stamp` on again (see `evaluate.ts`, readSlot).
 */
export interface AttributeCache {
  /** The attribute path of each slot. */
  readonly paths: readonly (readonly string[])[]
  /** The reader of each slot's first step (`readerOf`), -1 for a generic read. */
  readonly readers: Int32Array
  /** The value read for each slot, valid when its stamp is current. */
  readonly values: unknown[]
  readonly stamps: Int32Array
  /** The current stamp, in [0, 2^30): a Smi, so storing it never allocates. */
  stamp: number
}

/**
 * Rules made only of non-negated `in` clauses, indexed by attribute value (see `rule-index.ts`).
 * Covers the first `count` rules (at most 30, one bit each in a Smi mask).
 */
export interface RuleIndex {
  readonly count: number
  /** One bit per rule the index covers: `(1 << count) - 1`. */
  readonly all: number
  /**
   * For each covered rule, its clauses' slots in clause order; null for a rule the index cannot
   * decide (another operator, a negated clause, two clauses on one attribute), which the
   * evaluator checks clause by clause when it is the first rule left.
   */
  readonly ruleSlots: readonly (Int32Array | null)[]
  /** For each slot, its value-to-mask lookup; null for a slot no indexed rule reads. */
  readonly slots: readonly (SlotIndex | null)[]
  /**
   * The slots (one bit each) that a rule outside the index also reads, so the index reads them
   * through the AttributeCache; it reads the others directly, once.
   */
  readonly cachedSlots: number
  /**
   * For each slot, the named reader (`readerOf`) the index reads it with directly: a top-level
   * attribute with a reader that no rule outside the index reads; -1 for any other slot.
   */
  readonly readers: Int32Array
}

/**
 * For one slot: the rules (as a bit mask) that the value read in the slot does not rule out.
 * Those are the covered rules with no clause on the slot, the undecidable ones, and the rules
 * whose clause on the slot lists the value.
 */
export interface SlotIndex {
  /** The mask for a value no clause lists, and for a missing one. */
  readonly miss: number
  /**
   * The listed strings in an open-addressing table (hashed by `sampleHash`, linear probing,
   * `undefined` for an empty entry); null when they do not spread well, and `others` then holds
   * them as well.
   */
  readonly strings: readonly (string | undefined)[] | null
  /** The mask of each entry of `strings`. */
  readonly stringMasks: Int32Array
  /** The size of `strings` minus one (a power of two minus one). */
  readonly stringBits: number
  /** The listed numbers and booleans (and strings when `strings` is null); null when none. */
  readonly others: ReadonlyMap<unknown, number> | null
}

/** One clause, with its operator reduced to an opcode (see `operators.ts`). */
export interface CompiledClause {
  readonly opcode: number
  /** Attribute path: `'device.os'` is `['device', 'os']`; `'key'` is the context key. */
  readonly path: readonly string[]
  /** The reader of the path's first step (`readerOf`), -1 for a generic read. */
  readonly reader: number
  /**
   * The path's slot in the flag's (or segment's) AttributeCache when another clause (or the rule
   * index) reads the same path too; -1 when this clause is its only reader (it reads the path
   * directly: the cache would only add work) and for segmentMatch.
   */
  readonly slot: number
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
  /** The reader of `bucketBy`'s first step (`readerOf`), -1 when fixed or generic. */
  readonly bucketReader: number
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
 * apart from `key`, `version`, `kind`, `on`, `variations`, `problem` and `segmentKeys`: its
 * layout may change.
 */
export type CompiledFlag = CompiledFlagFields & FlagPlan

interface CompiledFlagFields {
  readonly key: string
  readonly version: number
  /** Null only when the flag is malformed and its kind was not valid. */
  readonly kind: FlagKind | null
  readonly on: boolean
  /** Deep-frozen copies of the variation values. */
  readonly variations: readonly JsonValue[]
  /**
   * The same frozen values in an unfrozen array, which the evaluator indexes.
   * perf: indexed loads from a frozen array are slow on Node 20 (compile-flag.ts, FROZEN ARRAYS).
   */
  readonly served: readonly JsonValue[]
  /**
   * The `typeof` every served value shares: 'boolean', 'string' or 'number'; 'object' when each
   * is a non-null object or array; '' when they differ, or one is null (compile-flag.ts,
   * servedTypeOf). The store's type check then needs no typeof of the served value.
   */
  readonly servedType: string
  /** Keys of the segments the flag's rules refer to (segmentMatch), each once; empty if none. */
  readonly segmentKeys: readonly string[]
  /** Why the flag failed validation (`'rules.0.clauses.1.op: …'`); null when it is valid. */
  readonly problem: string | null
}

/**
 * How a compiled flag is evaluated, chosen once when it compiles (plan.ts, choosePlan): the
 * plan's kind and the plan. Every plan but the general one belongs to a flag known at compile
 * time to need no prerequisites, targets or rollouts. The evaluator switches on `planKind` in one
 * place per entry point (evaluate.ts).
 * perf: the kind is on the flag, so reading it stays monomorphic (bench/eval/README.md, "Plans")
 */
export type FlagPlan =
  | { readonly planKind: 'fixed'; readonly plan: FixedPlan }
  | { readonly planKind: 'program'; readonly plan: ProgramPlan }
  | { readonly planKind: 'single-index'; readonly plan: SingleIndexPlan }
  | { readonly planKind: 'direct-index'; readonly plan: DirectIndexPlan }
  | { readonly planKind: 'general'; readonly plan: GeneralPlan }

/**
 * Serves one variation with one reason to every context: an off flag (its offVariation), an on
 * flag with no prerequisites, targets or rules and a fixed fallthrough, or a malformed flag
 * (variation -1, ERROR/MALFORMED_FLAG).
 */
export interface FixedPlan {
  readonly variation: number
  readonly reason: Reason
}

/**
 * Rules whose clauses are all non-negated short `in` lists on top-level attributes with a named
 * reader, each attribute read by one clause (plan.ts, isProgramRules), run from one flat array.
 */
export interface ProgramPlan {
  /** The variation served when rule r matches at `r + 1`; the fallthrough's at 0. */
  readonly variations: Int32Array
  /** The reason reported when rule r matches at `r + 1`; the fallthrough's at 0. */
  readonly reasons: readonly Reason[]
  /**
   * Per rule: its clause count and the offset of the next rule, then per clause its reader, its
   * value count and its values.
   * perf: one array instead of rule, clause and value objects (bench/eval/README.md, "Plans")
   */
  readonly program: readonly (string | number | boolean)[]
}

/**
 * Every rule decided by a rule index (rule-index.ts) that reads each slot with its named reader,
 * once, without the attribute cache: every slot is a top-level attribute with a named reader and
 * no rule outside the index reads it.
 */
export interface DirectIndexPlan {
  /** As in ProgramPlan; first in every rule plan, so the evaluator's shared tail reads either. */
  readonly variations: Int32Array
  readonly reasons: readonly Reason[]
  /** One bit per rule: `(1 << rules) - 1`. */
  readonly all: number
  /** For each rule, its clauses' slots in clause order. */
  readonly ruleSlots: readonly Int32Array[]
  /** For each slot, its value-to-mask lookup (RuleIndex.slots). */
  readonly lookups: readonly (SlotIndex | null)[]
  /** For each slot, the named reader of its attribute. */
  readonly readers: Int32Array
}

/** A DirectIndexPlan whose rules have exactly one clause each. */
export interface SingleIndexPlan {
  readonly variations: Int32Array
  readonly reasons: readonly Reason[]
  readonly all: number
  /** For each rule, the slot of its one clause. */
  readonly ruleSlot: Int32Array
  readonly lookups: readonly (SlotIndex | null)[]
  readonly readers: Int32Array
}

/** An on flag evaluated step by step: prerequisites, targets, rules, fallthrough. */
export interface GeneralPlan {
  readonly offVariation: number
  readonly prerequisites: readonly CompiledPrerequisite[]
  /** Context key to variation index over all individual targets; null when there are none. */
  readonly targets: ReadonlyMap<string, number> | null
  readonly rules: readonly CompiledRule[]
  /** Null when no two of the first 30 rules made only of non-negated `in` clauses share a slot. */
  readonly index: RuleIndex | null
  /** The attribute values read by the flag's current evaluation, one slot per path. */
  readonly cache: AttributeCache
  readonly fallthrough: CompiledServe
  readonly fallthroughReason: Reason
  /** `salt + '.'`, the prefix hashed in front of the bucketed value. */
  readonly saltPrefix: string
}

export interface CompiledSegmentRule {
  readonly id: string
  readonly clauses: readonly CompiledClause[]
  /** Admitted share of matching contexts, in [0, BUCKET_SCALE]; -1 admits all (no weight). */
  readonly weight: number
  /** Attribute path bucketed on for `weight` (the context key by default). */
  readonly bucketBy: readonly string[]
  /** The reader of `bucketBy`'s first step (`readerOf`), -1 for a generic read. */
  readonly bucketReader: number
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
  /** The attribute values read by the segment's current membership check, one slot per path. */
  readonly cache: AttributeCache
}
