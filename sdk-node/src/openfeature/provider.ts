import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  ProviderFatalError,
  ProviderNotReadyError,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk'
import { isSwitchyardError, type SwitchyardError } from '@switchyard/core'
import { init } from '../client.js'
import { messageOf, sdkError } from '../errors.js'
import type { ChangeEvent, StaleEvent } from '../events.js'
import { resolveOptions, type Options } from '../options.js'
import type { SwitchyardClient } from '../types.js'
import { ChangeBatcher, type ChangeBatch } from './change-batcher.js'
import {
  IDLE,
  transition,
  type ProviderEmission,
  type ProviderState,
  type ProviderStateEvent,
} from './provider-state.js'
import { resolveFlag } from './resolution.js'

const DEFAULT_READY_TIMEOUT_MS = 5_000

/** Options the provider reads itself, whichever client it uses. */
export interface ProviderSettings {
  /**
   * How long `initialize()` waits for the client's first data, in ms (default 5000). After that
   * the provider is in ERROR, and READY as soon as the client has data.
   */
  readyTimeoutMs?: number
}

/**
 * Options of {@link SwitchyardProvider}: the SDK options of a client the provider creates, owns
 * and closes; or `client`, an existing client the provider uses and never closes.
 */
export type SwitchyardProviderOptions =
  | (Options & ProviderSettings & { client?: undefined })
  | (ProviderSettings & { client: SwitchyardClient })

/**
 * An OpenFeature server provider that evaluates Switchyard flags locally, in memory, with no
 * network call per evaluation.
 *
 * Given SDK options it owns its client: it creates it in `initialize()` and closes it in
 * `onClose()` (and creates a new one if initialized again). Given `{ client }` it uses that
 * client and leaves it open: closing it stays with its owner.
 *
 * @throws SwitchyardError (`INVALID_OPTIONS`) from the constructor for invalid options.
 * @example
 * await OpenFeature.setProviderAndWait(new SwitchyardProvider({ sdkKey, baseUrl }))
 * const client = OpenFeature.getClient()
 * await client.getBooleanValue('new-checkout', false, { targetingKey: user.id, country: 'DE' })
 */
export class SwitchyardProvider implements Provider {
  readonly metadata = { name: 'Switchyard' } as const
  readonly runsOn = 'server' as const
  readonly events = new OpenFeatureEventEmitter()

  readonly #sdkOptions: Options | null
  readonly #readyTimeoutMs: number
  readonly #batcher = new ChangeBatcher((batch) => this.#emitChanges(batch))
  #client: SwitchyardClient | null
  #state: ProviderState = IDLE
  #initializing: Promise<void> | null = null
  #detach: (() => void) | null = null

  constructor(options: SwitchyardProviderOptions) {
    const { client, readyTimeoutMs, ...sdkOptions } = options
    this.#readyTimeoutMs = readyTimeout(readyTimeoutMs)
    if (client === undefined) {
      resolveOptions(sdkOptions) // why: bad options throw here, not later in initialize()
      this.#sdkOptions = sdkOptions
      this.#client = null
      return
    }
    if (Object.keys(sdkOptions).length > 0) {
      throw sdkError(
        'INVALID_OPTIONS',
        `Pass either client or SDK options to SwitchyardProvider, not both (got client and ${Object.keys(sdkOptions).join(', ')})`,
      )
    }
    this.#sdkOptions = null
    this.#client = client
  }

  /**
   * The client that evaluates the flags: the one passed in, or the one the provider created
   * (null before `initialize()` and after `onClose()`).
   */
  get client(): SwitchyardClient | null {
    return this.#client
  }

  /**
   * Waits for the client's first data, up to `readyTimeoutMs`. Rejects with ProviderFatalError
   * when the client can never get data (its key was refused, or it was closed), and with
   * ProviderNotReadyError on the timeout (the provider turns READY once the client has data).
   */
  initialize(): Promise<void> {
    if (this.#state.kind === 'idle') this.#initializing = this.#initialize()
    return this.#initializing ?? Promise.resolve()
  }

  /** Stops listening to the client, and closes it if the provider created it. Never rejects. */
  async onClose(): Promise<void> {
    const client = this.#client
    this.#detach?.()
    this.#detach = null
    this.#batcher.clear()
    this.#dispatch({ type: 'close' })
    this.#initializing = null
    if (this.#sdkOptions === null || client === null) return
    this.#client = null
    await client.close()
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return resolveFlag(this.#client, flagKey, defaultValue, context, 'boolean')
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return resolveFlag(this.#client, flagKey, defaultValue, context, 'string')
  }

  async resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return resolveFlag(this.#client, flagKey, defaultValue, context, 'number')
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return resolveFlag(this.#client, flagKey, defaultValue, context, 'object')
  }

  async #initialize(): Promise<void> {
    const client = this.#client ?? init(this.#sdkOptions ?? {})
    this.#client = client
    this.#detach = this.#listen(client)
    this.#dispatch({ type: 'initialize' })
    try {
      await client.waitForReady({ timeoutMs: this.#readyTimeoutMs })
    } catch (error) {
      if (!this.#isInitializing(client)) throw closedDuringInitialize()
      // why: the first data may have come in the same turn as the timeout
      if (!client.ready) {
        const fatal = isRefusal(error) || client.connectionState === 'closed'
        this.#dispatch({ type: 'initialize-failed', fatal })
        const message = `Switchyard provider not ready: ${messageOf(error)}`
        throw fatal
          ? new ProviderFatalError(message, { cause: error })
          : new ProviderNotReadyError(message, { cause: error })
      }
    }
    if (!this.#isInitializing(client)) throw closedDuringInitialize()
    this.#dispatch({ type: 'initialized' })
    // why: the SDK marks the provider READY once this returns; a client already stale is
    // reported after that, or READY would cover it
    setImmediate(() => {
      if (this.#client === client && client.stale) {
        this.#dispatch({ type: 'stale', message: staleMessage(client.dataAgeMs) })
      }
    })
  }

  #isInitializing(client: SwitchyardClient): boolean {
    return this.#client === client && this.#state.kind === 'initializing'
  }

  /** Follows the client's events; returns the function that stops following them. */
  #listen(client: SwitchyardClient): () => void {
    const onReady = () => this.#dispatch({ type: 'client-ready' })
    const onStale = (event: StaleEvent) => this.#dispatch(staleEvent(event))
    const onChange = (event: ChangeEvent) => this.#batcher.add(event)
    const onError = (error: SwitchyardError) => {
      if (error.code === 'UNAUTHORIZED')
        this.#dispatch({ type: 'key-refused', message: error.message })
    }
    client.on('ready', onReady).on('stale', onStale).on('change', onChange).on('error', onError)
    return () => {
      client
        .off('ready', onReady)
        .off('stale', onStale)
        .off('change', onChange)
        .off('error', onError)
    }
  }

  #dispatch(event: ProviderStateEvent): void {
    const step = transition(this.#state, event)
    this.#state = step.state
    if (step.emit) this.#emit(step.emit)
  }

  #emit(emission: ProviderEmission): void {
    switch (emission.type) {
      case 'ready':
        this.events.emit(ProviderEvents.Ready, { message: emission.message })
        return
      case 'stale':
        this.events.emit(ProviderEvents.Stale, { message: emission.message })
        return
      case 'error':
        this.events.emit(ProviderEvents.Error, {
          message: emission.message,
          ...(emission.fatal ? { errorCode: ErrorCode.PROVIDER_FATAL } : {}),
        })
    }
  }

  #emitChanges(batch: ChangeBatch): void {
    const kind = this.#state.kind
    if (kind === 'idle' || kind === 'initializing') return
    this.events.emit(ProviderEvents.ConfigurationChanged, {
      flagsChanged: batch.flagKeys,
      metadata: { environmentVersion: batch.version },
    })
  }
}

function readyTimeout(value: number | undefined): number {
  if (value === undefined) return DEFAULT_READY_TIMEOUT_MS
  if (typeof value !== 'number' || !(value > 0)) {
    throw sdkError(
      'INVALID_OPTIONS',
      `Option readyTimeoutMs must be a positive number, got ${value}`,
    )
  }
  return value
}

function staleEvent(event: StaleEvent): ProviderStateEvent {
  if (event.stale) return { type: 'stale', message: staleMessage(event.dataAgeMs) }
  const message = `The server confirmed the flag data again after ${event.dataAgeMs} ms`
  return { type: 'fresh', message }
}

function staleMessage(dataAgeMs: number | null): string {
  const age = dataAgeMs === null ? 'since the client started' : `for ${dataAgeMs} ms`
  return `Flag data unconfirmed by the server ${age} (past maxDataAgeMs): serving defaults`
}

/** Whether waitForReady failed because the key was refused (which ends every retry). */
function isRefusal(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined
  return isSwitchyardError(cause) && cause.code === 'UNAUTHORIZED'
}

function closedDuringInitialize(): ProviderNotReadyError {
  return new ProviderNotReadyError('Switchyard provider closed while it was initializing')
}
