import type { SwitchyardError } from '@switchyard/core'
import type { Logger } from './logger.js'

/** Where the client gets its data from right now. */
export type ConnectionState =
  'initializing' | 'streaming' | 'polling' | 'offline' | 'interrupted' | 'closed'

/**
 * Payload of `'change'`: at environment version `version`, one flag was added, changed or
 * removed, or a segment its rules refer to (segmentMatch) was.
 */
export interface ChangeEvent {
  key: string
  version: number
}

/** Payload of `'ready'`: the client has data it can serve. */
export interface ReadyEvent {
  /** Environment version of the data; -1 when the client is offline without a bootstrap. */
  version: number
}

/** Payload of `'connectionState'`. */
export interface ConnectionStateEvent {
  state: ConnectionState
  previous: ConnectionState
}

/**
 * Payload of `'stale'` (only with the `maxDataAgeMs` option): the client started serving
 * fallbacks because its data was too old (`stale: true`), or the server confirmed the data again
 * and it serves flags again (`stale: false`).
 */
export interface StaleEvent {
  stale: boolean
  /** How long the data had gone unconfirmed, in ms. */
  dataAgeMs: number
}

/** Events a client emits, with their payloads. */
export interface ClientEvents {
  ready: ReadyEvent
  change: ChangeEvent
  error: SwitchyardError
  connectionState: ConnectionStateEvent
  stale: StaleEvent
}

export type ClientEventName = keyof ClientEvents
export type Listener<E extends ClientEventName> = (payload: ClientEvents[E]) => void

/**
 * A small typed emitter. Unlike `node:events`, emitting `'error'` with no listener is fine, and a
 * listener that throws, or returns a promise that rejects, is logged and skipped instead of
 * breaking the client or the process.
 */
export class Emitter {
  readonly #listeners = new Map<ClientEventName, Set<(payload: never) => void>>()
  /** For each event, the wrapper once() registered for a listener, so off() can remove it. */
  readonly #onceWrappers = new Map<
    ClientEventName,
    Map<(payload: never) => void, (payload: never) => void>
  >()
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
  }

  on<E extends ClientEventName>(event: E, listener: Listener<E>): void {
    let set = this.#listeners.get(event)
    if (!set) this.#listeners.set(event, (set = new Set()))
    set.add(listener)
  }

  off<E extends ClientEventName>(event: E, listener: Listener<E>): void {
    const set = this.#listeners.get(event)
    set?.delete(listener)
    // a listener added with once() is registered as its wrapper
    const wrappers = this.#onceWrappers.get(event)
    const wrapper = wrappers?.get(listener)
    if (wrapper) {
      wrappers?.delete(listener)
      set?.delete(wrapper)
    }
  }

  once<E extends ClientEventName>(event: E, listener: Listener<E>): void {
    let wrappers = this.#onceWrappers.get(event)
    if (!wrappers) this.#onceWrappers.set(event, (wrappers = new Map()))
    if (wrappers.has(listener)) return
    const wrapper: Listener<E> = (payload) => {
      this.off(event, listener)
      return listener(payload)
    }
    wrappers.set(listener, wrapper)
    this.on(event, wrapper)
  }

  listenerCount(event: ClientEventName): number {
    return this.#listeners.get(event)?.size ?? 0
  }

  emit<E extends ClientEventName>(event: E, payload: ClientEvents[E]): void {
    const set = this.#listeners.get(event)
    if (!set || set.size === 0) return
    // why: copy, so listeners may add or remove listeners while we iterate
    for (const listener of [...set] as Listener<E>[]) {
      try {
        const result: unknown = listener(payload)
        // why: an async listener's rejection would be unhandled, which crashes Node by default
        if (isThenable(result))
          result.then(undefined, (err: unknown) => this.#logListener(event, err))
      } catch (err) {
        this.#logListener(event, err)
      }
    }
  }

  #logListener(event: ClientEventName, err: unknown): void {
    this.#logger.error(`A '${event}' listener threw; the client carries on`, err)
  }

  clear(): void {
    this.#listeners.clear()
    this.#onceWrappers.clear()
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
