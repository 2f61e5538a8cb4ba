import type { FlagStore } from '@switchyard/core'

/** The wire JSON of every flag and segment a store held before a put, by key. */
export interface WireCopy {
  readonly flags: ReadonlyMap<string, string>
  readonly segments: ReadonlyMap<string, string>
}

/** Records the wire JSON of every flag and segment in `store`, to compare with after a put. */
export function copyWire(store: FlagStore): WireCopy {
  const flags = new Map<string, string>()
  const segments = new Map<string, string>()
  for (const key of store.keys()) flags.set(key, JSON.stringify(store.getWire(key)))
  for (const key of store.segmentKeys()) {
    segments.set(key, JSON.stringify(store.getWireSegment(key)))
  }
  return { flags, segments }
}

/**
 * The keys of the flags a put changed, given the store after it and `before` from `copyWire`:
 * flags added, removed or whose JSON differs, and flags whose rules refer to a segment that was
 * added, removed or changed. Flags still held come first, in the store's order.
 */
export function changedFlags(store: FlagStore, before: WireCopy): Set<string> {
  const changedSegments = new Set<string>()
  for (const key of store.segmentKeys()) {
    if (before.segments.get(key) !== JSON.stringify(store.getWireSegment(key))) {
      changedSegments.add(key)
    }
  }
  for (const key of before.segments.keys()) {
    if (store.getWireSegment(key) === undefined) changedSegments.add(key)
  }
  const changed = new Set<string>()
  for (const key of store.keys()) {
    if (before.flags.get(key) !== JSON.stringify(store.getWire(key))) changed.add(key)
    else if (usesAnySegment(store, key, changedSegments)) changed.add(key)
  }
  for (const key of before.flags.keys()) {
    if (store.getWire(key) === undefined) changed.add(key)
  }
  return changed
}

/** The keys of the flags whose rules refer to the segment `segmentKey`, in the store's order. */
export function flagsUsingSegment(store: FlagStore, segmentKey: string): string[] {
  const segmentKeys = new Set([segmentKey])
  return store.keys().filter((key) => usesAnySegment(store, key, segmentKeys))
}

function usesAnySegment(
  store: FlagStore,
  flagKey: string,
  segmentKeys: ReadonlySet<string>,
): boolean {
  if (segmentKeys.size === 0) return false
  const used = store.get(flagKey)?.segmentKeys ?? []
  return used.some((segmentKey) => segmentKeys.has(segmentKey))
}
