import type { StaleEvent } from './events.js'
import type { Logger } from './logger.js'
import type { ResolvedOptions } from './options.js'

export interface FreshnessOptions {
  /** Serve fallbacks once the data has gone unconfirmed this long; null never does. */
  maxDataAgeMs: number | null
  logger: Logger
  /** Called on each switch of `stale`, after the switch. */
  onStaleChange(event: StaleEvent): void
}

/**
 * How fresh the served data is: when the server last confirmed it and, with `maxDataAgeMs`,
 * whether it has gone unconfirmed too long to be served.
 *
 * The age is on the monotonic clock (performance.now, like Node's timers), so a wall-clock jump
 * neither triggers nor hides it; time the machine spends suspended is not counted. The timer
 * goes on after the client is closed or its key refused: that data is not confirmed any more
 * either.
 */
export class FreshnessTracker {
  readonly #maxAgeMs: number | null
  readonly #logger: Logger
  readonly #onStaleChange: (event: StaleEvent) => void
  #lastUpdated: Date | null = null
  /** Monotonic ms of the last confirmation, or of the tracker's creation before any. */
  #confirmedAt = performance.now()
  #stale = false
  #timer: NodeJS.Timeout | undefined

  constructor(options: FreshnessOptions) {
    this.#maxAgeMs = options.maxDataAgeMs
    this.#logger = options.logger
    this.#onStaleChange = options.onStaleChange
  }

  /** The data has gone unconfirmed for `maxDataAgeMs`; kept current by a timer, not a clock read. */
  get stale(): boolean {
    return this.#stale
  }

  /** When the server last confirmed the data (wall clock); null if never. */
  get lastUpdated(): Date | null {
    return this.#lastUpdated
  }

  /** Milliseconds since `lastUpdated`, or null if the server never confirmed the data. */
  get dataAgeMs(): number | null {
    return this.#lastUpdated === null ? null : Date.now() - this.#lastUpdated.getTime()
  }

  /**
   * The client has data to age from now on (its first data, or a bootstrap at creation); the
   * age counts from the last confirmation, or from the tracker's creation before any.
   */
  startAging(): void {
    this.#arm()
  }

  /** The server confirmed the data is current: an update, an up-to-date ping or a poll. */
  confirm(): void {
    this.#lastUpdated = new Date()
    const now = performance.now()
    const age = now - this.#confirmedAt
    this.#confirmedAt = now
    if (!this.#stale) return
    this.#stale = false
    this.#logger.info('Data confirmed by the server again: serving flags again')
    this.#onStaleChange({ stale: false, dataAgeMs: Math.round(age) })
    this.#arm()
  }

  /**
   * A timer that fires when the data would reach `maxDataAgeMs`. It does not move on every
   * confirmation: when it fires early (the data was confirmed meanwhile) it waits for the rest.
   */
  #arm(): void {
    const maxAge = this.#maxAgeMs
    if (maxAge === null) return
    clearTimeout(this.#timer)
    const wait = Math.max(0, maxAge - (performance.now() - this.#confirmedAt))
    this.#timer = setTimeout(() => this.#check(), Math.ceil(wait))
    this.#timer.unref()
  }

  #check(): void {
    const maxAge = this.#maxAgeMs
    if (maxAge === null || this.#stale) return
    const age = performance.now() - this.#confirmedAt
    if (age < maxAge) {
      this.#arm()
      return
    }
    this.#stale = true
    const dataAgeMs = Math.round(age)
    this.#logger.warn(
      `Data not confirmed by the server for ${dataAgeMs} ms (maxDataAgeMs ${maxAge}): ` +
        'serving fallbacks until it is',
    )
    this.#onStaleChange({ stale: true, dataAgeMs })
  }
}

/** Polls further apart than maxDataAgeMs would make a polling client go stale between polls. */
export function warnIfPollsOutliveMaxAge(options: ResolvedOptions): void {
  const maxAge = options.maxDataAgeMs
  if (options.offline || maxAge === null || maxAge > options.pollIntervalMs) return
  options.logger.warn(
    `maxDataAgeMs (${maxAge}) is not above pollIntervalMs (${options.pollIntervalMs}): ` +
      'while polling, the client will serve fallbacks between polls',
  )
}
