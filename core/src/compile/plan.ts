import type { Reason } from '../model/reason.js'
import { REASON_OFF, errorReason } from '../evaluate/reasons.js'
import { createAttributeCache } from './attribute-slots.js'
import { OP_IN_LIST } from './operators.js'
import type {
  AttributeCache,
  CompiledPrerequisite,
  CompiledRule,
  CompiledServe,
  DirectIndexPlan,
  FixedPlan,
  FlagPlan,
  GeneralPlan,
  ProgramPlan,
  RuleIndex,
  SingleIndexPlan,
  SlotIndex,
} from './types.js'

// Each flag gets its plan once, when it compiles. The general plan is the reference: every other
// plan serves what it would serve, with the same reason, for every context (the differential
// suite checks it), and exists because it skips checks the flag is known not to need.

/** What choosePlan needs of a valid flag. */
export interface PlanParts {
  readonly on: boolean
  readonly offVariation: number
  readonly prerequisites: readonly CompiledPrerequisite[]
  readonly targets: ReadonlyMap<string, number> | null
  readonly rules: readonly CompiledRule[]
  readonly index: RuleIndex | null
  /** The attribute path of each slot (attribute-slots.ts). */
  readonly paths: readonly (readonly string[])[]
  readonly fallthrough: CompiledServe
  readonly fallthroughReason: Reason
  readonly saltPrefix: string
}

export function createFixedPlan(variation: number, reason: Reason): FixedPlan {
  return { variation, reason }
}

export function createProgramPlan(
  variations: Int32Array,
  reasons: readonly Reason[],
  program: readonly (string | number | boolean)[],
): ProgramPlan {
  return { variations, reasons, program }
}

export function createDirectIndexPlan(
  variations: Int32Array,
  reasons: readonly Reason[],
  all: number,
  ruleSlots: readonly Int32Array[],
  lookups: readonly (SlotIndex | null)[],
  readers: Int32Array,
): DirectIndexPlan {
  return { variations, reasons, all, ruleSlots, lookups, readers }
}

export function createSingleIndexPlan(
  variations: Int32Array,
  reasons: readonly Reason[],
  all: number,
  ruleSlot: Int32Array,
  lookups: readonly (SlotIndex | null)[],
  readers: Int32Array,
): SingleIndexPlan {
  return { variations, reasons, all, ruleSlot, lookups, readers }
}

export function createGeneralPlan(
  offVariation: number,
  prerequisites: readonly CompiledPrerequisite[],
  targets: ReadonlyMap<string, number> | null,
  rules: readonly CompiledRule[],
  index: RuleIndex | null,
  cache: AttributeCache,
  fallthrough: CompiledServe,
  fallthroughReason: Reason,
  saltPrefix: string,
): GeneralPlan {
  return {
    offVariation,
    prerequisites,
    targets,
    rules,
    index,
    cache,
    fallthrough,
    fallthroughReason,
    saltPrefix,
  }
}

function fixed(variation: number, reason: Reason): FlagPlan {
  return { planKind: 'fixed', plan: createFixedPlan(variation, reason) }
}

/** The plan of every malformed flag: what it serves for any context (ERROR/MALFORMED_FLAG). */
export const MALFORMED_PLAN: FlagPlan = fixed(-1, errorReason('MALFORMED_FLAG'))

/** The plan of a valid flag: the cheapest one that serves what the general plan would. */
export function choosePlan(parts: PlanParts): FlagPlan {
  if (!parts.on) return fixed(parts.offVariation, REASON_OFF)
  const rules = parts.rules
  if (parts.prerequisites.length === 0 && parts.targets === null && servesFixed(parts)) {
    if (rules.length === 0) return fixed(parts.fallthrough.variation, parts.fallthroughReason)
    const index = parts.index
    if (index === null) {
      if (isProgramRules(rules)) {
        const plan = createProgramPlan(variationsOf(parts), reasonsOf(parts), programOf(rules))
        return { planKind: 'program', plan }
      }
    } else if (isDirectIndex(index, rules.length)) {
      return directIndexPlan(index, parts)
    }
  }
  const plan = createGeneralPlan(
    parts.offVariation,
    parts.prerequisites,
    parts.targets,
    rules,
    parts.index,
    createAttributeCache(parts.paths),
    parts.fallthrough,
    parts.fallthroughReason,
    parts.saltPrefix,
  )
  return { planKind: 'general', plan }
}

/** Whether the fallthrough and every rule serve a fixed variation (no rollout). */
function servesFixed(parts: PlanParts): boolean {
  if (parts.fallthrough.thresholds !== null) return false
  const rules = parts.rules
  for (let r = 0; r < rules.length; r++) if (rules[r]!.serve.thresholds !== null) return false
  return true
}

/**
 * Whether every clause is a non-negated short `in` list on a top-level attribute with a named
 * reader that no other clause reads (settleClauseSlots then leaves it no slot).
 */
function isProgramRules(rules: readonly CompiledRule[]): boolean {
  for (let r = 0; r < rules.length; r++) {
    const clauses = rules[r]!.clauses
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i]!
      if (clause.opcode !== OP_IN_LIST || clause.negate || clause.slot >= 0) return false
      if (clause.reader < 0 || clause.path.length !== 1) return false
    }
  }
  return true
}

/** ProgramPlan.program for rules that pass isProgramRules. */
function programOf(rules: readonly CompiledRule[]): (string | number | boolean)[] {
  const program: (string | number | boolean)[] = []
  for (let r = 0; r < rules.length; r++) {
    const clauses = rules[r]!.clauses
    const start = program.length
    program.push(clauses.length, 0)
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i]!
      program.push(clause.reader, clause.values.length)
      for (let j = 0; j < clause.values.length; j++) program.push(clause.values[j]!)
    }
    program[start + 1] = program.length
  }
  return program
}

/**
 * Whether `index` decides every one of a flag's `ruleCount` rules and can read each of its slots
 * once with a named reader: no rule outside it shares a slot, and every slot is a top-level
 * attribute with a reader.
 */
function isDirectIndex(index: RuleIndex, ruleCount: number): boolean {
  if (index.count !== ruleCount) return false
  for (let r = 0; r < index.count; r++) if (index.ruleSlots[r] === null) return false
  for (let s = 0; s < index.slots.length; s++) {
    if (index.slots[s] !== null && index.readers[s]! < 0) return false
  }
  return true
}

/** The DirectIndexPlan, or SingleIndexPlan when every rule has one clause, for isDirectIndex. */
function directIndexPlan(index: RuleIndex, parts: PlanParts): FlagPlan {
  const ruleSlots: Int32Array[] = []
  const ruleSlot = new Int32Array(index.count)
  let single = true
  for (let r = 0; r < index.count; r++) {
    const slots = index.ruleSlots[r] as Int32Array
    ruleSlots.push(slots)
    if (slots.length === 1) ruleSlot[r] = slots[0]!
    else single = false
  }
  const variations = variationsOf(parts)
  const reasons = reasonsOf(parts)
  const { all, slots, readers } = index
  if (single) {
    const plan = createSingleIndexPlan(variations, reasons, all, ruleSlot, slots, readers)
    return { planKind: 'single-index', plan }
  }
  const plan = createDirectIndexPlan(variations, reasons, all, ruleSlots, slots, readers)
  return { planKind: 'direct-index', plan }
}

/** The variation served when rule r matches at `r + 1`, the fallthrough's at 0. */
function variationsOf(parts: PlanParts): Int32Array {
  const rules = parts.rules
  const variations = new Int32Array(rules.length + 1)
  variations[0] = parts.fallthrough.variation
  for (let r = 0; r < rules.length; r++) variations[r + 1] = rules[r]!.serve.variation
  return variations
}

/** The reason reported when rule r matches at `r + 1`, the fallthrough's at 0. */
function reasonsOf(parts: PlanParts): Reason[] {
  const rules = parts.rules
  const reasons = [parts.fallthroughReason]
  for (let r = 0; r < rules.length; r++) reasons.push(rules[r]!.reason)
  return reasons
}
