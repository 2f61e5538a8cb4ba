import type { CompiledFlag } from './types.js'

// How store.variation() evaluates a flag for a plain context (an object, not an array, with a
// string key) without the general path. The general path stays the reference: variationDetail
// and prerequisites use it, and the differential suite checks that both agree.
//
// perf: in the bench/eval rule scenarios the general path's checks and layers cost more than the
// rules themselves (ten-rules: ~9 of ~50 ns; two-clause: ~4.5 of ~33 ns, in patched copies of
// core/dist, minimums of 6-8 interleaved processes). A fast flag is known at compile time to be
// valid and on or off for good, with no prerequisites, targets or rollouts, so the only checks
// left are the context's.

/** Evaluated by the general path. */
export const FAST_NONE = 0
/**
 * Serves one variation to every context: off, or on with no prerequisites, targets or rules and
 * a fixed fallthrough.
 */
export const FAST_FIXED = 1
/** Direct rules (compile-flag.ts, isDirect), run from `CompiledFlag.program`. */
export const FAST_RULES = 2
/** Every rule decided by a direct rule index (types.ts, RuleIndex.direct). */
export const FAST_INDEX = 3
/** FAST_INDEX where every rule has one clause (types.ts, RuleIndex.singleSlots). */
export const FAST_SINGLE_INDEX = 4

type FlagParts = Omit<CompiledFlag, 'fast' | 'program' | 'fastVariations' | 'servedType'>

/** The fast kind of a compiled flag (FAST_NONE when store.variation must take the general path). */
export function fastKind(flag: FlagParts): number {
  if (flag.problem !== null) return FAST_NONE
  if (!flag.on) return FAST_FIXED
  if (flag.prerequisites.length !== 0 || flag.targets !== null) return FAST_NONE
  if (flag.fallthrough.thresholds !== null) return FAST_NONE
  const rules = flag.rules
  if (rules.length === 0) return FAST_FIXED
  for (let r = 0; r < rules.length; r++) if (rules[r]!.serve.thresholds !== null) return FAST_NONE
  if (flag.direct) return FAST_RULES
  const index = flag.index
  if (index !== null && index.direct && index.count === rules.length) {
    return index.singleSlots !== null ? FAST_SINGLE_INDEX : FAST_INDEX
  }
  return FAST_NONE
}

/** `CompiledFlag.fastVariations` for a flag of fast kind `fast`. */
export function fastVariations(flag: FlagParts, fast: number): Int32Array {
  if (fast === FAST_NONE) return new Int32Array(0)
  if (!flag.on) return Int32Array.of(flag.offVariation)
  const variations = new Int32Array(flag.rules.length + 1)
  variations[0] = flag.fallthrough.variation
  for (let r = 0; r < flag.rules.length; r++) variations[r + 1] = flag.rules[r]!.serve.variation
  return variations
}

/** `CompiledFlag.program` for a direct flag (see there); empty for any other. */
export function directProgram(flag: FlagParts): (string | number | boolean)[] {
  const program: (string | number | boolean)[] = []
  if (!flag.direct) return program
  const rules = flag.rules
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
