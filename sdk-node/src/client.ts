import {
  createFlagStore,
  errorReason,
  type Context,
  type EvaluationDetail,
  type FlagStore,
  type JsonValue,
  type SwitchyardError,
  type WireFlag,
  type WireSegment,
  type Widen,
} from '@switchyard/core'
import { loadBootstrap } from './bootstrap.js'
import { changedFlags, copyWire, flagsUsingSegment } from './changes.js'
import { messageOf, sdkError, SwitchyardTimeoutError } from './errors.js'
import { Emitter, type ClientEventName, type ConnectionState, type Listener } from './events.js'
import { FreshnessTracker, warnIfPollsOutliveMaxAge } from './freshness.js'
import { resolveOptions, type Options, type ResolvedOptions, type Snapshot } from './options.js'
import { ReadyWaiters } from './ready-waiters.js'
import type { ApplyResult, DataSink, PutResult } from './sink.js'
import { DataSourceSupervisor } from './supervisor.js'
import type { SwitchyardClient, WaitForReadyOptions } from './types.js'

const DEFAULT_READY_TIMEOUT_MS = 5_000
const REASON_NOT_READY = errorReason('CLIENT_NOT_READY')
const REASON_EXCEPTION = errorReason('MALFORMED_FLAG')
const REASON_STALE = errorReason('STALE_DATA')

class Client implements SwitchyardClient {
  readonly #options: ResolvedOptions
  readonly #store: FlagStore = createFlagStore()
  readonly #emitter: Emitter
  readonly #waiters = new ReadyWaiters()
  readonly #freshness: FreshnessTracker
  readonly #sources: DataSourceSupervisor
  #ready = false
  #lastError: SwitchyardError | null = null

  constructor(options: Options) {
    this.#options = resolveOptions(options)
    const opts = this.#options
    this.#emitter = new Emitter(opts.logger)
    this.#freshness = new FreshnessTracker({
      maxDataAgeMs: opts.maxDataAgeMs,
      logger: opts.logger,
      onStaleChange: (event) => this.#emitter.emit('stale', event),
    })

    if (opts.bootstrap !== undefined) {
      const result = loadBootstrap(opts.bootstrap, opts.maxMessageBytes)
      const error = result.ok ? this.#applyBootstrap(result.snapshot) : result.error
      // why: deferred, so listeners attached right after init() see it
      if (error) queueMicrotask(() => this.#reportError(error))
      else this.#ready = true
    }
    if (opts.offline) this.#ready = true
    if (this.#ready) queueMicrotask(() => this.#emitReady())
    // why: a bootstrap counts as confirmed at init(); without data there is nothing to age
    if (this.#ready) this.#freshness.startAging()
    warnIfPollsOutliveMaxAge(opts)

    const store = this.#store
    // why: a separate object, so the sink methods are not reachable from the public client
    const sink: DataSink = {
      get version() {
        return store.version
      },
      put: (version, flags, segments, onApplied) => this.#put(version, flags, segments, onApplied),
      patch: (version, flag) => this.#patch(version, flag),
      patchSegment: (version, segment) => this.#patchSegment(version, segment),
      remove: (version, key) => this.#remove(version, key),
      removeSegment: (version, key) => this.#removeSegment(version, key),
      confirm: () => this.#freshness.confirm(),
      reportError: (error) => this.#reportError(error),
    }
    this.#sources = new DataSourceSupervisor(opts, sink, {
      onKeyRefused: (error) => this.#onKeyRefused(error),
      onConnectionState: (event) => this.#emitter.emit('connectionState', event),
    })
    this.#sources.start()
  }

  get connectionState(): ConnectionState {
    return this.#sources.connectionState
  }

  get dataVersion(): number {
    return this.#store.version
  }

  get lastUpdated(): Date | null {
    return this.#freshness.lastUpdated
  }

  get dataAgeMs(): number | null {
    return this.#freshness.dataAgeMs
  }

  get ready(): boolean {
    return this.#ready
  }

  get stale(): boolean {
    return this.#freshness.stale
  }

  // DataSink: called by the stream and the poller

  #put(
    version: number,
    flags: WireFlag[],
    segments: WireSegment[] | undefined,
    onApplied: () => void,
  ): PutResult {
    const store = this.#store
    const hadData = store.initialized
    if (hadData && version < store.version) {
      this.#options.logger.warn(`Snapshot version went back from ${store.version} to ${version}`)
    }
    const before = hadData ? copyWire(store) : null
    try {
      store.put(version, flags, segments)
    } catch (err) {
      return { ok: false, reason: messageOf(err), cause: err }
    }
    onApplied()
    this.#freshness.confirm()
    this.#markReady()
    if (!before) return { ok: true }
    for (const key of changedFlags(store, before)) {
      this.#emitter.emit('change', { key, version })
    }
    return { ok: true }
  }

  #patch(version: number, flag: WireFlag): ApplyResult {
    const check = this.#checkVersion(version)
    if (check !== 'applied') return check
    try {
      this.#store.upsert(version, flag)
    } catch (err) {
      this.#reportError(applyError(`patch version ${version}`, err))
      return 'gap'
    }
    this.#freshness.confirm()
    this.#emitter.emit('change', { key: flag.key, version })
    return 'applied'
  }

  #patchSegment(version: number, segment: WireSegment): ApplyResult {
    const check = this.#checkVersion(version)
    if (check !== 'applied') return check
    try {
      this.#store.upsertSegment(version, segment)
    } catch (err) {
      this.#reportError(applyError(`segment patch version ${version}`, err))
      return 'gap'
    }
    this.#freshness.confirm()
    this.#emitSegmentChange(segment.key, version)
    return 'applied'
  }

  #removeSegment(version: number, key: string): ApplyResult {
    const check = this.#checkVersion(version)
    if (check !== 'applied') return check
    const existed = this.#store.getWireSegment(key) !== undefined
    this.#store.removeSegment(version, key)
    this.#freshness.confirm()
    if (existed) this.#emitSegmentChange(key, version)
    return 'applied'
  }

  /** Emits 'change' for every flag whose rules refer to the segment `segmentKey`. */
  #emitSegmentChange(segmentKey: string, version: number): void {
    for (const key of flagsUsingSegment(this.#store, segmentKey)) {
      this.#emitter.emit('change', { key, version })
    }
  }

  #remove(version: number, key: string): ApplyResult {
    const check = this.#checkVersion(version)
    if (check !== 'applied') return check
    const existed = this.#store.getWire(key) !== undefined
    try {
      this.#store.remove(version, key)
    } catch (err) {
      this.#reportError(applyError(`delete version ${version}`, err))
      return 'gap'
    }
    this.#freshness.confirm()
    if (existed) this.#emitter.emit('change', { key, version })
    return 'applied'
  }

  #reportError(error: SwitchyardError): void {
    this.#lastError = error
    this.#options.logger.warn(error.message)
    this.#emitter.emit('error', error)
  }

  // Public API

  waitForReady(options?: WaitForReadyOptions): Promise<void> {
    if (this.#ready) return Promise.resolve()
    const notReady = this.#notReadyReason()
    if (notReady) return Promise.reject(notReady)
    const timeoutMs = options?.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
    return this.#waiters.add(timeoutMs, () => {
      const lastError = this.#lastError
      const last = lastError ? `; last error: ${lastError.message}` : ''
      return new SwitchyardTimeoutError(
        `Client not ready after ${timeoutMs} ms${last}`,
        lastError ?? undefined,
      )
    })
  }

  variation<T>(key: string, context: Context, fallback: T): Widen<T> {
    // perf: a field read, not a clock read: the stale timer keeps it current
    if (!this.#store.initialized || this.#freshness.stale) return fallback as Widen<T>
    try {
      return this.#store.variation(key, context, fallback)
    } catch {
      return fallback as Widen<T>
    }
  }

  variationDetail<T>(key: string, context: Context, fallback: T): EvaluationDetail<Widen<T>> {
    if (!this.#store.initialized) {
      return { value: fallback as Widen<T>, variationIndex: null, reason: REASON_NOT_READY }
    }
    if (this.#freshness.stale) {
      return { value: fallback as Widen<T>, variationIndex: null, reason: REASON_STALE }
    }
    try {
      return this.#store.variationDetail(key, context, fallback)
    } catch {
      return { value: fallback as Widen<T>, variationIndex: null, reason: REASON_EXCEPTION }
    }
  }

  // why: the store checks against the fallback's type, which a JavaScript caller may get wrong
  // (undefined, a string for a number); the typed calls promise their named type regardless
  boolVariation(key: string, context: Context, fallback: boolean): boolean {
    const value: unknown = this.variation(key, context, fallback)
    return typeof value === 'boolean' ? value : fallback
  }

  stringVariation(key: string, context: Context, fallback: string): string {
    const value: unknown = this.variation(key, context, fallback)
    return typeof value === 'string' ? value : fallback
  }

  numberVariation(key: string, context: Context, fallback: number): number {
    const value: unknown = this.variation(key, context, fallback)
    return typeof value === 'number' ? value : fallback
  }

  jsonVariation<T extends JsonValue>(key: string, context: Context, fallback: T): T {
    return this.variation(key, context, fallback) as T
  }

  allFlags(context: Context): Record<string, JsonValue> {
    const entries: [string, JsonValue][] = []
    if (!this.#store.initialized) return {}
    if (this.#freshness.stale)
      return Object.fromEntries(this.#store.keys().map((key) => [key, null]))
    try {
      for (const key of this.#store.keys()) {
        const flag = this.#store.get(key)
        const detail = this.#store.variationDetail<JsonValue>(key, context, null)
        const index = detail.variationIndex
        // why: read the value by index, so a null fallback never trips a type check; and from
        // the compiled flag's frozen copies, as variation() does, never the wire JSON, which
        // the next snapshot is compared with
        entries.push([key, index === null ? null : (flag?.variations[index] ?? null)])
      }
    } catch (err) {
      this.#options.logger.error('allFlags failed part way', err)
    }
    // why: fromEntries defines own properties, so a flag keyed "__proto__" is a key like any
    // other; assigning it would replace the result's prototype
    return Object.fromEntries(entries)
  }

  on<E extends ClientEventName>(event: E, listener: Listener<E>): this {
    this.#emitter.on(event, listener)
    return this
  }

  once<E extends ClientEventName>(event: E, listener: Listener<E>): this {
    this.#emitter.once(event, listener)
    return this
  }

  off<E extends ClientEventName>(event: E, listener: Listener<E>): this {
    this.#emitter.off(event, listener)
    return this
  }

  async close(): Promise<void> {
    if (this.#sources.state.kind === 'closed') return
    // why: closed from the call on, not once the server acknowledges the close (up to 1 s)
    const stopped = this.#sources.close()
    this.#rejectWaiters()
    try {
      await stopped
    } catch (err) {
      this.#options.logger.debug('Error while closing', err)
    }
  }

  // Internals

  /** Puts the bootstrap snapshot in the store; the error to report if it cannot be applied. */
  #applyBootstrap(snapshot: Snapshot): SwitchyardError | null {
    const { version, flags, segments } = snapshot
    try {
      this.#store.put(version, flags, segments)
    } catch (err) {
      const reason = messageOf(err)
      return sdkError('BOOTSTRAP_FAILED', `Could not apply the bootstrap snapshot: ${reason}`, err)
    }
    const segmentCount = segments?.length ?? 0
    this.#options.logger.debug(
      `Bootstrapped ${flags.length} flags and ${segmentCount} segments at version ${version}`,
    )
    return null
  }

  #checkVersion(version: number): ApplyResult {
    const store = this.#store
    if (!store.initialized) return 'gap'
    if (version <= store.version) return 'stale'
    if (version > store.version + 1) return 'gap'
    return 'applied'
  }

  #markReady(): void {
    if (this.#ready) return
    this.#ready = true
    this.#freshness.startAging()
    this.#emitReady()
  }

  #emitReady(): void {
    this.#waiters.resolveAll()
    this.#emitter.emit('ready', { version: this.#store.version })
  }

  #notReadyReason(): SwitchyardTimeoutError | null {
    const state = this.#sources.state
    if (state.kind === 'closed') {
      return new SwitchyardTimeoutError('Client closed before it was ready')
    }
    if (state.kind === 'stopped') {
      return new SwitchyardTimeoutError(
        `Client will not become ready: ${state.error.message}`,
        state.error,
      )
    }
    return null
  }

  #rejectWaiters(): void {
    const error = this.#notReadyReason()
    if (error) this.#waiters.rejectAll(error)
  }

  #onKeyRefused(error: SwitchyardError): void {
    this.#options.logger.error(`${error.message}; no longer retrying, serving the last flags`)
    this.#lastError = error
    this.#emitter.emit('error', error)
    this.#rejectWaiters()
  }
}

function applyError(what: string, cause: unknown): SwitchyardError {
  return sdkError(
    'PROTOCOL_ERROR',
    `Could not apply ${what} from the server: ${messageOf(cause)}`,
    cause,
  )
}

/**
 * Creates a client and starts connecting in the background; flags are served from memory, so
 * evaluation works at once (bootstrap or fallbacks) and never waits on the network.
 *
 * @throws SwitchyardError (`INVALID_OPTIONS`) when `sdkKey` or `baseUrl` is missing or invalid.
 * @example
 * const client = init({ sdkKey: process.env.SWITCHYARD_SDK_KEY, baseUrl: 'http://127.0.0.1:7400' })
 * await client.waitForReady({ timeoutMs: 5000 })
 * client.variation('new-checkout', { key: 'user-1', country: 'DE' }, false)
 */
export function init(options: Options): SwitchyardClient {
  return new Client(options)
}
