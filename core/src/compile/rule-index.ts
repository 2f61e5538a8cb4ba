import { readerOf } from '../evaluate/read-attribute.js'
import { OP_IN_LIST, OP_IN_SET } from './operators.js'
import type { CompiledClause, CompiledRule, RuleIndex, SlotIndex } from './types.js'

// The rule index: the first rules of a flag, as bit masks keyed by attribute value.
//
// Rule r matches when each of its clauses lists the value read for the clause's attribute. For
// every slot (attribute path) the index keeps, for each listed value, the mask of rules that
// value does not rule out, and a miss mask for any other value. The evaluator starts with every
// rule as a candidate, reads the slots of the first candidate rule and ANDs in their masks: ten
// one-clause rules on two attributes cost two reads and two lookups, not ten list scans. See
// evaluate.ts, matchIndexedRules.
// perf: pays only when rules share an attribute (bench/eval/README.md, "Rule index")

/** Rules covered by the index: one bit each in a mask that stays a Smi (31-bit) in V8. */
export const INDEX_MAX_RULES = 30
/** Slots an indexed rule may read: one bit each in the evaluator's `applied` mask. */
const INDEX_MAX_SLOTS = 30
/** Strings beyond this many per slot stay in the Map (a table would only grow). */
const TABLE_MAX_KEYS = 256
/** The longest run of occupied table entries accepted: bounds every lookup, hit or miss. */
const TABLE_MAX_RUN = 8

/**
 * A cheap string hash for the index's tables: the length and three char codes, mixed. Allocates
 * nothing. Strings that differ only elsewhere collide and are told apart by linear probing.
 * evaluate.ts (probeMask) has it written out: change both together.
 * perf: a table probe instead of Map.get (bench/eval/README.md, "Rule index")
 */
export function sampleHash(text: string): number {
  const length = text.length
  if (length === 0) return 0
  let hash = Math.imul(length ^ text.charCodeAt(0), 0x9e3779b1)
  hash = Math.imul(hash ^ text.charCodeAt(length - 1), 0x85ebca6b)
  hash = Math.imul(hash ^ text.charCodeAt(length >> 1), 0xc2b2ae35)
  return hash ^ (hash >>> 16)
}

export function createSlotIndex(
  miss: number,
  strings: readonly (string | undefined)[] | null,
  stringMasks: Int32Array,
  stringBits: number,
  others: ReadonlyMap<unknown, number> | null,
): SlotIndex {
  return { miss, strings, stringMasks, stringBits, others }
}

const NO_MASKS = new Int32Array(0)

/**
 * The lookup for one slot from its listed values and their masks (`listed`, insertion-ordered):
 * strings go into a table when they spread well, everything else into a Map.
 */
function buildSlotIndex(miss: number, listed: Map<unknown, number>): SlotIndex {
  let stringCount = 0
  for (const value of listed.keys()) if (typeof value === 'string') stringCount++
  const table =
    stringCount > 0 && stringCount <= TABLE_MAX_KEYS ? buildTable(listed, stringCount) : null
  let others: Map<unknown, number> | null = null
  for (const [value, mask] of listed) {
    if (table !== null && typeof value === 'string') continue
    others ??= new Map()
    others.set(value, mask)
  }
  if (table === null) return createSlotIndex(miss, null, NO_MASKS, 0, others)
  return createSlotIndex(miss, table.strings, table.masks, table.strings.length - 1, others)
}

/** An open-addressing table of the strings of `listed`; null if some probe run is too long. */
function buildTable(
  listed: Map<unknown, number>,
  stringCount: number,
): { strings: (string | undefined)[]; masks: Int32Array } | null {
  // At most a quarter full, so runs stay short and there is always an empty entry to stop at.
  let size = 8
  while (size < stringCount * 4) size *= 2
  const strings: (string | undefined)[] = []
  for (let i = 0; i < size; i++) strings.push(undefined)
  const masks = new Int32Array(size)
  for (const [value, mask] of listed) {
    if (typeof value !== 'string') continue
    let i = sampleHash(value) & (size - 1)
    while (strings[i] !== undefined) i = (i + 1) & (size - 1)
    strings[i] = value
    masks[i] = mask
  }
  // The longest run of occupied entries, wrapping around: no lookup probes more than that.
  let longest = 0
  for (let start = 0; start < size; start++) {
    let run = 0
    while (run < size && strings[(start + run) & (size - 1)] !== undefined) run++
    if (run > longest) longest = run
  }
  return longest <= TABLE_MAX_RUN ? { strings, masks } : null
}

export function createRuleIndex(
  count: number,
  all: number,
  ruleSlots: readonly (Int32Array | null)[],
  slots: readonly (SlotIndex | null)[],
  cachedSlots: number,
  readers: Int32Array,
): RuleIndex {
  return { count, all, ruleSlots, slots, cachedSlots, readers }
}

/**
 * The index of the first INDEX_MAX_RULES rules of a flag whose slots read `paths` (clause slots
 * as numbered by the SlotTable, before settleClauseSlots); null when it would not pay: unless two
 * indexable rules read the same attribute, each clause is checked once either way, and a short
 * `===` scan costs less than a Map lookup.
 */
export function buildRuleIndex(
  rules: readonly CompiledRule[],
  paths: readonly (readonly string[])[],
): RuleIndex | null {
  const slotCount = paths.length
  const count = Math.min(rules.length, INDEX_MAX_RULES)
  const ruleSlots: (Int32Array | null)[] = []
  // The rules with a clause on each slot; every other rule passes whatever value that slot holds.
  const onSlot = new Int32Array(slotCount)
  let shared = false
  for (let r = 0; r < count; r++) {
    const slots = indexableSlots(rules[r]!.clauses)
    ruleSlots.push(slots)
    if (slots === null) continue
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!
      if (onSlot[slot] !== 0) shared = true
      onSlot[slot]! |= 1 << r
    }
  }
  // perf: with no shared attribute the clause loop is cheaper (bench/eval/README.md, "Rule index")
  if (!shared) return null
  const all = (1 << count) - 1
  const missMasks = new Int32Array(slotCount)
  const listed: (Map<unknown, number> | null)[] = []
  for (let s = 0; s < slotCount; s++) {
    missMasks[s] = all & ~onSlot[s]!
    listed.push(onSlot[s] === 0 ? null : new Map())
  }
  let cachedSlots = 0
  for (let r = 0; r < rules.length; r++) {
    const clauses = rules[r]!.clauses
    if (r >= count || ruleSlots[r] === null) {
      // A rule checked clause by clause: the index must share its slots through the cache.
      for (let i = 0; i < clauses.length; i++) {
        const slot = clauses[i]!.slot
        if (slot >= 0 && slot < INDEX_MAX_SLOTS && onSlot[slot] !== 0) cachedSlots |= 1 << slot
      }
      continue
    }
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i]!
      const map = listed[clause.slot] as Map<unknown, number>
      const miss = missMasks[clause.slot]!
      // why: keys compare by SameValueZero (Map) or `===` (table), which agree on these values:
      // strings, booleans and finite numbers (never NaN), and +0 and -0 are one key under both
      const values = clause.values
      for (let j = 0; j < values.length; j++) {
        map.set(values[j], (map.get(values[j]) ?? miss) | (1 << r))
      }
    }
  }
  const slots: (SlotIndex | null)[] = []
  for (let s = 0; s < slotCount; s++) {
    const map = listed[s]
    slots.push(map === null || map === undefined ? null : buildSlotIndex(missMasks[s]!, map))
  }
  const readers = new Int32Array(slotCount)
  for (let s = 0; s < slotCount; s++) {
    const path = paths[s]!
    const cached = s < INDEX_MAX_SLOTS && (cachedSlots & (1 << s)) !== 0
    readers[s] = slots[s] === null || cached || path.length !== 1 ? -1 : readerOf(path)
  }
  return createRuleIndex(count, all, ruleSlots, slots, cachedSlots, readers)
}

/** Whether rule `r` is decided by `index` (its clauses are then never checked one by one). */
export function isIndexed(index: RuleIndex | null, r: number): boolean {
  return index !== null && r < index.count && index.ruleSlots[r] !== null
}

/**
 * The slots of a rule's clauses in clause order, or null when the index cannot decide the rule:
 * a clause with another operator or negated, a slot past INDEX_MAX_SLOTS, or two clauses on the
 * same attribute (an array attribute may then match each clause through a different element,
 * which one mask per value cannot express).
 */
function indexableSlots(clauses: readonly CompiledClause[]): Int32Array | null {
  const slots = new Int32Array(clauses.length)
  for (let i = 0; i < clauses.length; i++) {
    const clause = clauses[i]!
    if (clause.opcode !== OP_IN_LIST && clause.opcode !== OP_IN_SET) return null
    if (clause.negate || clause.slot < 0 || clause.slot >= INDEX_MAX_SLOTS) return null
    for (let j = 0; j < i; j++) if (slots[j] === clause.slot) return null
    slots[i] = clause.slot
  }
  return slots
}
