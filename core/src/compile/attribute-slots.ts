import { readerOf } from '../evaluate/read-attribute.js'
import type { AttributeCache } from './types.js'

/**
 * Numbers the distinct attribute paths of one flag (or one segment) while it compiles: the
 * first clause reading `'country'` gets slot 0, every later clause reading `'country'` gets slot
 * 0 too. The evaluator then reads each slot at most once per evaluation of that flag.
 */
export interface SlotTable {
  readonly byAttribute: Map<string, number>
  readonly paths: (readonly string[])[]
}

export function createSlotTable(): SlotTable {
  return { byAttribute: new Map(), paths: [] }
}

/** The slot of `attribute` (already parsed into `path`), assigning the next one if it is new. */
export function slotOf(table: SlotTable, attribute: string, path: readonly string[]): number {
  const known = table.byAttribute.get(attribute)
  if (known !== undefined) return known
  const slot = table.paths.length
  table.byAttribute.set(attribute, slot)
  table.paths.push(path)
  return slot
}

/** The single factory for AttributeCache: one hidden class for flags and segments alike. */
export function createAttributeCache(paths: readonly (readonly string[])[]): AttributeCache {
  const values: unknown[] = []
  const readers = new Int32Array(paths.length)
  // why: push, not new Array(n), so the array is PACKED rather than HOLEY
  for (let i = 0; i < paths.length; i++) {
    values.push(undefined)
    readers[i] = readerOf(paths[i]!)
  }
  return { paths: paths.slice(), readers, values, stamps: new Int32Array(paths.length), stamp: 0 }
}
