import { compileFlag } from '../compile/compile-flag.js'
import { compileSegment } from '../compile/compile-segment.js'
import type { CompiledFlag, CompiledSegment } from '../compile/types.js'
import { SwitchyardError } from '../errors.js'
import type { WireFlag } from '../model/flag.js'
import type { WireSegment } from '../model/segment.js'
import type { Context } from '../model/context.js'
import type { EvaluationDetail, Reason, Widen } from '../model/reason.js'
import {
  REASON_UNEXPECTED_ERROR,
  createDetail,
  evaluateReasonFree,
  evaluateVariationIndex,
  lastEvaluationReason,
  type FlagLookup,
  type SegmentLookup,
} from './evaluate.js'
import { errorReason } from './reasons.js'

/** The raw contents of a store, e.g. for a snapshot file. */
export interface StoreSnapshot {
  version: number
  flags: WireFlag[]
  segments: WireSegment[]
}

/**
 * One environment's flags and segments, compiled once on write and evaluated locally. Flags and
 * segments are stored apart: a flag finds its segments by key at evaluation time, so a segment
 * write never recompiles a flag. Writes apply what they are given: ordering, gaps and stale
 * versions are the caller's (the stream's) business.
 */
export interface FlagStore {
  /** Environment version of the data; -1 before any put. */
  readonly version: number
  /** True after the first put. */
  readonly initialized: boolean
  /**
   * Replaces every flag and segment, compiling each once; a flag that fails validation is kept
   * and evaluates to ERROR/MALFORMED_FLAG, and a segment that fails validation is kept and counts
   * as unknown. Absent `segments` means none.
   * @throws SwitchyardError `INVALID_ARGUMENT` when `flags` (or `segments`, if given) is not an
   * array, or a flag or segment has no non-empty string key; the store is then unchanged.
   */
  put(version: number, flags: WireFlag[], segments?: WireSegment[]): void
  /**
   * Adds or replaces one flag.
   * @throws SwitchyardError `INVALID_ARGUMENT` when the flag has no non-empty string key.
   */
  upsert(version: number, flag: WireFlag): void
  /** Removes one flag (if present) and records the version. Never throws. */
  remove(version: number, key: string): void
  /**
   * Adds or replaces one segment, compiling it once; no flag is recompiled.
   * @throws SwitchyardError `INVALID_ARGUMENT` when the segment has no non-empty string key.
   */
  upsertSegment(version: number, segment: WireSegment): void
  /** Removes one segment (if present) and records the version. Never throws. */
  removeSegment(version: number, key: string): void
  /** The compiled flag, for `evaluate()`. */
  get(key: string): CompiledFlag | undefined
  /** The flag exactly as it was put (not a copy: do not mutate it). */
  getWire(key: string): WireFlag | undefined
  /** The compiled segment, e.g. for `evaluate()`'s segment lookup. */
  getSegment(key: string): CompiledSegment | undefined
  /** The segment exactly as it was put (not a copy: do not mutate it). */
  getWireSegment(key: string): WireSegment | undefined
  /** Keys of every flag. */
  keys(): string[]
  /** Keys of every segment. */
  segmentKeys(): string[]
  /** The raw wire flags and segments and the version, e.g. for a snapshot file. */
  snapshot(): StoreSnapshot
  /**
   * The value served to `context`, or `fallback` on any error (not ready, unknown flag,
   * malformed flag, missing context, a value whose type differs from the fallback's).
   * Never throws; allocates nothing on the common path.
   *
   * @example
   * if (store.variation('new-checkout', { key: userId, country }, false)) renderNewCheckout()
   */
  variation<T>(key: string, context: Context, fallback: T): Widen<T>
  /**
   * Like `variation`, plus the variation index (null when the fallback is served) and the reason.
   * Never throws.
   */
  variationDetail<T>(key: string, context: Context, fallback: T): EvaluationDetail<Widen<T>>
}

const REASON_NOT_READY = errorReason('CLIENT_NOT_READY')
const REASON_NOT_FOUND = errorReason('FLAG_NOT_FOUND')
const REASON_WRONG_TYPE = errorReason('WRONG_TYPE')

/**
 * Whether `value` may be served where the caller's fallback is `fallback`: the same typeof for
 * booleans, strings and numbers; any non-null object for an object or array fallback; anything
 * for a null or undefined fallback.
 */
function hasFallbackType(value: unknown, fallback: unknown): boolean {
  if (fallback === null || fallback === undefined) return true
  if (typeof fallback === 'object') return typeof value === 'object' && value !== null
  return typeof value === typeof fallback
}

/**
 * hasFallbackType for a value `flag` serves, from the type all its values share when they do.
 * perf: typeof against literals, no Typeof builtin call (bench/eval/README.md, "Fallback type")
 */
function servesFallbackType(flag: CompiledFlag, value: unknown, fallback: unknown): boolean {
  if (fallback === null || fallback === undefined) return true
  switch (flag.servedType) {
    case 'boolean':
      return typeof fallback === 'boolean'
    case 'string':
      return typeof fallback === 'string'
    case 'number':
      return typeof fallback === 'number'
    case 'object':
      return typeof fallback === 'object'
    default:
      return hasFallbackType(value, fallback)
  }
}

function itemKey(item: unknown, what: 'flag' | 'segment'): string {
  const key =
    typeof item === 'object' && item !== null ? (item as { key?: unknown }).key : undefined
  if (typeof key !== 'string' || key === '') {
    const message = `Flag store: a ${what} has no non-empty string key`
    throw new SwitchyardError('INVALID_ARGUMENT', message)
  }
  return key
}

class MemoryFlagStore implements FlagStore {
  private currentVersion = -1
  private ready = false
  private compiled = new Map<string, CompiledFlag>()
  private wire = new Map<string, WireFlag>()
  private compiledSegments = new Map<string, CompiledSegment>()
  private wireSegments = new Map<string, WireSegment>()
  // One lookup each for prerequisites and segments, created once: evaluation creates no closures.
  private readonly lookup: FlagLookup = (key) => this.compiled.get(key)
  private readonly segmentLookup: SegmentLookup = (key) => this.compiledSegments.get(key)

  get version(): number {
    return this.currentVersion
  }

  get initialized(): boolean {
    return this.ready
  }

  put(version: number, flags: WireFlag[], segments?: WireSegment[]): void {
    if (!Array.isArray(flags)) {
      throw new SwitchyardError('INVALID_ARGUMENT', 'Flag store put: flags must be an array')
    }
    if (segments !== undefined && !Array.isArray(segments)) {
      throw new SwitchyardError('INVALID_ARGUMENT', 'Flag store put: segments must be an array')
    }
    const compiled = new Map<string, CompiledFlag>()
    const wire = new Map<string, WireFlag>()
    for (const flag of flags) {
      const key = itemKey(flag, 'flag')
      compiled.set(key, compileFlag(flag))
      wire.set(key, flag)
    }
    const compiledSegments = new Map<string, CompiledSegment>()
    const wireSegments = new Map<string, WireSegment>()
    for (const segment of segments ?? []) {
      const key = itemKey(segment, 'segment')
      compiledSegments.set(key, compileSegment(segment))
      wireSegments.set(key, segment)
    }
    this.compiled = compiled
    this.wire = wire
    this.compiledSegments = compiledSegments
    this.wireSegments = wireSegments
    this.currentVersion = version
    this.ready = true
  }

  upsert(version: number, flag: WireFlag): void {
    const key = itemKey(flag, 'flag')
    this.compiled.set(key, compileFlag(flag))
    this.wire.set(key, flag)
    this.currentVersion = version
  }

  remove(version: number, key: string): void {
    this.compiled.delete(key)
    this.wire.delete(key)
    this.currentVersion = version
  }

  upsertSegment(version: number, segment: WireSegment): void {
    const key = itemKey(segment, 'segment')
    this.compiledSegments.set(key, compileSegment(segment))
    this.wireSegments.set(key, segment)
    this.currentVersion = version
  }

  removeSegment(version: number, key: string): void {
    this.compiledSegments.delete(key)
    this.wireSegments.delete(key)
    this.currentVersion = version
  }

  get(key: string): CompiledFlag | undefined {
    return this.compiled.get(key)
  }

  getWire(key: string): WireFlag | undefined {
    return this.wire.get(key)
  }

  getSegment(key: string): CompiledSegment | undefined {
    return this.compiledSegments.get(key)
  }

  getWireSegment(key: string): WireSegment | undefined {
    return this.wireSegments.get(key)
  }

  keys(): string[] {
    return Array.from(this.wire.keys())
  }

  segmentKeys(): string[] {
    return Array.from(this.wireSegments.keys())
  }

  snapshot(): StoreSnapshot {
    return {
      version: this.currentVersion,
      flags: Array.from(this.wire.values()),
      segments: Array.from(this.wireSegments.values()),
    }
  }

  variation<T>(key: string, context: Context, input: T): Widen<T> {
    // why: the fallback stands for its widened type (false → boolean)
    const fallback = input as Widen<T>
    try {
      if (!this.ready) return fallback
      const flag = this.compiled.get(key)
      if (flag === undefined) return fallback
      const index = evaluateReasonFree(flag, context, this.lookup, this.segmentLookup)
      if (index < 0) return fallback
      const value = flag.served[index]
      return servesFallbackType(flag, value, fallback) ? (value as Widen<T>) : fallback
    } catch {
      return fallback
    }
  }

  variationDetail<T>(key: string, context: Context, input: T): EvaluationDetail<Widen<T>> {
    const fallback = input as Widen<T>
    let reason: Reason
    try {
      if (!this.ready) return createDetail(fallback, null, REASON_NOT_READY)
      const flag = this.compiled.get(key)
      if (flag === undefined) return createDetail(fallback, null, REASON_NOT_FOUND)
      const index = evaluateVariationIndex(flag, context, this.lookup, this.segmentLookup, 0)
      reason = lastEvaluationReason()
      if (index >= 0) {
        const value = flag.served[index]
        if (servesFallbackType(flag, value, fallback)) {
          return createDetail(value as Widen<T>, index, reason)
        }
        reason = REASON_WRONG_TYPE
      }
    } catch {
      reason = REASON_UNEXPECTED_ERROR
    }
    return createDetail(fallback, null, reason)
  }
}

/**
 * Creates an empty, uninitialized flag store (version -1) for one environment.
 *
 * @example
 * const store = createFlagStore()
 * store.put(message.version, message.flags, message.segments)
 * const enabled = store.variation('new-checkout', { key: 'user-1' }, false)
 */
export function createFlagStore(): FlagStore {
  return new MemoryFlagStore()
}
