import { compileFlag } from '../compile/compile-flag.js'
import type { CompiledFlag } from '../compile/types.js'
import { SwitchyardError } from '../errors.js'
import type { WireFlag } from '../model/flag.js'
import type { Context } from '../model/context.js'
import type { EvaluationDetail, Reason, Widen } from '../model/reason.js'
import {
  REASON_UNEXPECTED_ERROR,
  createDetail,
  evaluateVariationIndex,
  lastEvaluationReason,
  type FlagLookup,
} from './evaluate.js'
import { errorReason } from './reasons.js'

/**
 * One environment's flags, compiled once on write and evaluated locally. Writes apply what they
 * are given: ordering, gaps and stale versions are the caller's (the stream's) business.
 */
export interface FlagStore {
  /** Environment version of the data; -1 before any put. */
  readonly version: number
  /** True after the first put. */
  readonly initialized: boolean
  /**
   * Replaces every flag, compiling each once; a flag that fails validation is kept and evaluates
   * to ERROR/MALFORMED_FLAG.
   * @throws SwitchyardError `INVALID_ARGUMENT` when `flags` is not an array or a flag has no
   * non-empty string key; the store is then unchanged.
   */
  put(version: number, flags: WireFlag[]): void
  /**
   * Adds or replaces one flag.
   * @throws SwitchyardError `INVALID_ARGUMENT` when the flag has no non-empty string key.
   */
  upsert(version: number, flag: WireFlag): void
  /** Removes one flag (if present) and records the version. Never throws. */
  remove(version: number, key: string): void
  /** The compiled flag, for `evaluate()`. */
  get(key: string): CompiledFlag | undefined
  /** The flag exactly as it was put (not a copy: do not mutate it). */
  getWire(key: string): WireFlag | undefined
  keys(): string[]
  /** The raw wire flags and version, e.g. for a snapshot file. */
  snapshot(): { version: number; flags: WireFlag[] }
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

function flagKey(flag: unknown): string {
  const key =
    typeof flag === 'object' && flag !== null ? (flag as { key?: unknown }).key : undefined
  if (typeof key !== 'string' || key === '') {
    throw new SwitchyardError('INVALID_ARGUMENT', 'Flag store: a flag has no non-empty string key')
  }
  return key
}

class MemoryFlagStore implements FlagStore {
  private currentVersion = -1
  private ready = false
  private compiled = new Map<string, CompiledFlag>()
  private wire = new Map<string, WireFlag>()
  // One lookup for prerequisites, created once: evaluation creates no closures.
  private readonly lookup: FlagLookup = (key) => this.compiled.get(key)

  get version(): number {
    return this.currentVersion
  }

  get initialized(): boolean {
    return this.ready
  }

  put(version: number, flags: WireFlag[]): void {
    if (!Array.isArray(flags)) {
      throw new SwitchyardError('INVALID_ARGUMENT', 'Flag store put: flags must be an array')
    }
    const compiled = new Map<string, CompiledFlag>()
    const wire = new Map<string, WireFlag>()
    for (const flag of flags) {
      const key = flagKey(flag)
      compiled.set(key, compileFlag(flag))
      wire.set(key, flag)
    }
    this.compiled = compiled
    this.wire = wire
    this.currentVersion = version
    this.ready = true
  }

  upsert(version: number, flag: WireFlag): void {
    const key = flagKey(flag)
    this.compiled.set(key, compileFlag(flag))
    this.wire.set(key, flag)
    this.currentVersion = version
  }

  remove(version: number, key: string): void {
    this.compiled.delete(key)
    this.wire.delete(key)
    this.currentVersion = version
  }

  get(key: string): CompiledFlag | undefined {
    return this.compiled.get(key)
  }

  getWire(key: string): WireFlag | undefined {
    return this.wire.get(key)
  }

  keys(): string[] {
    return Array.from(this.wire.keys())
  }

  snapshot(): { version: number; flags: WireFlag[] } {
    return { version: this.currentVersion, flags: Array.from(this.wire.values()) }
  }

  variation<T>(key: string, context: Context, input: T): Widen<T> {
    // why: the fallback stands for its widened type (false → boolean)
    const fallback = input as Widen<T>
    try {
      if (!this.ready) return fallback
      const flag = this.compiled.get(key)
      if (flag === undefined) return fallback
      const index = evaluateVariationIndex(flag, context, this.lookup, 0)
      if (index < 0) return fallback
      const value = flag.variations[index]
      return hasFallbackType(value, fallback) ? (value as Widen<T>) : fallback
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
      const index = evaluateVariationIndex(flag, context, this.lookup, 0)
      reason = lastEvaluationReason()
      if (index >= 0) {
        const value = flag.variations[index]
        if (hasFallbackType(value, fallback)) return createDetail(value as Widen<T>, index, reason)
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
 * store.put(message.version, message.flags)
 * const enabled = store.variation('new-checkout', { key: 'user-1' }, false)
 */
export function createFlagStore(): FlagStore {
  return new MemoryFlagStore()
}
