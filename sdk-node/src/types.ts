import type { Context, EvaluationDetail, JsonValue, Widen } from '@switchyard/core'
import type { ClientEventName, ConnectionState, Listener } from './events.js'

/** Options for {@link SwitchyardClient.waitForReady}. */
export interface WaitForReadyOptions {
  /** How long to wait, in ms (default 5000). */
  timeoutMs?: number
}

/** A Switchyard client: holds one environment's flags in memory and evaluates them locally. */
export interface SwitchyardClient {
  /** Where the client gets its data from right now. */
  readonly connectionState: ConnectionState
  /** Environment version of the data served; -1 before any data. */
  readonly dataVersion: number
  /** When the server last confirmed the data was current (update, up-to-date ping or poll); null if never. */
  readonly lastUpdated: Date | null
  /** Milliseconds since `lastUpdated`, or null if the server never confirmed the data. */
  readonly dataAgeMs: number | null
  /** The client has data it can serve (from the server or a bootstrap), or is offline. */
  readonly ready: boolean
  /**
   * With `maxDataAgeMs`: the data has gone unconfirmed for that long, so every evaluation serves
   * its fallback (`ERROR/STALE_DATA`). Always false without the option.
   */
  readonly stale: boolean

  /**
   * Resolves once the client is ready (at once if it already is); rejects with
   * SwitchyardTimeoutError after `timeoutMs`, or as soon as the client can no longer become ready
   * (closed, or the key was refused). The client keeps serving bootstrap data or fallbacks either way.
   */
  waitForReady(options?: WaitForReadyOptions): Promise<void>

  /**
   * Evaluates a flag for a context and returns its value, or `fallback` when the flag is missing,
   * broken, of another type, or the client has no data yet. Never throws, never does I/O.
   *
   * @example
   * if (client.variation('new-checkout', { key: user.id, country: 'DE' }, false)) showNewCheckout()
   */
  variation<T>(key: string, context: Context, fallback: T): Widen<T>
  /** Like `variation`, plus the variation index and the reason for the result. Never throws. */
  variationDetail<T>(key: string, context: Context, fallback: T): EvaluationDetail<Widen<T>>
  /** `variation` for a boolean flag: serves only a boolean (else `fallback`); never throws. */
  boolVariation(key: string, context: Context, fallback: boolean): boolean
  /** `variation` for a string flag: serves only a string (else `fallback`); never throws. */
  stringVariation(key: string, context: Context, fallback: string): string
  /** `variation` for a number flag: serves only a number (else `fallback`); never throws. */
  numberVariation(key: string, context: Context, fallback: number): number
  /** `variation` for a JSON flag; never throws. */
  jsonVariation<T extends JsonValue>(key: string, context: Context, fallback: T): T
  /**
   * Evaluates every flag for a context: a plain object of flag key → value (null where a flag
   * errors) in which every key, even `__proto__`, is an own property. Never throws.
   */
  allFlags(context: Context): Record<string, JsonValue>

  /** Adds an event listener; a listener that throws is logged and does not affect the client. */
  on<E extends ClientEventName>(event: E, listener: Listener<E>): this
  /** Adds a listener that runs at most once. */
  once<E extends ClientEventName>(event: E, listener: Listener<E>): this
  /** Removes an event listener. */
  off<E extends ClientEventName>(event: E, listener: Listener<E>): this

  /** Stops timers and closes the connection (code 1000); evaluation keeps serving the last data. Never rejects. */
  close(): Promise<void>
}
