import type { SwitchyardError } from '@switchyard/core'
import type { ConnectionState, ConnectionStateEvent } from './events.js'
import type { ResolvedOptions } from './options.js'
import { Poller } from './poll.js'
import type { DataSink } from './sink.js'
import {
  connectionStateOf,
  initialState,
  transition,
  type MachineConfig,
  type PollReason,
  type SourceAction,
  type SourceEvent,
  type SourceState,
} from './source-machine.js'
import { StreamSource } from './stream.js'

export interface SupervisorHooks {
  /** The key was refused and every source stopped; told before the state change. */
  onKeyRefused(error: SwitchyardError): void
  /** The public connection state changed. */
  onConnectionState(event: ConnectionStateEvent): void
}

/**
 * Runs the client's data sources: the stream with polling as its fallback, or polling alone.
 * Their health goes in as events of the state machine in source-machine.ts; this class carries
 * out its actions (starting and stopping the sources, the fallbackAfterMs timer).
 */
export class DataSourceSupervisor {
  readonly #options: ResolvedOptions
  readonly #config: MachineConfig
  readonly #hooks: SupervisorHooks
  readonly #stream: StreamSource | null = null
  readonly #poller: Poller | null = null
  #state: SourceState
  /** The connection state listeners were last told; it lags `#state` only while they are told. */
  #reported: ConnectionState
  #fallbackTimer: NodeJS.Timeout | undefined
  /** The sources stopping, for close() to wait on. */
  #sourcesStopped: Promise<unknown> = Promise.resolve()

  constructor(options: ResolvedOptions, sink: DataSink, hooks: SupervisorHooks) {
    this.#options = options
    this.#config = { stream: options.stream, fallbackAfterFailures: options.fallbackAfterFailures }
    this.#hooks = hooks
    this.#state = initialState(options.offline)
    this.#reported = connectionStateOf(this.#state)
    if (options.offline) return
    this.#poller = new Poller(options, sink, {
      onHealthy: () => this.#dispatch({ type: 'poll-delivered' }),
      onDown: () => this.#dispatch({ type: 'poll-down' }),
      onStopped: (error) => this.#dispatch({ type: 'key-refused', error }),
    })
    if (!options.stream) return
    const stream = new StreamSource(options, sink, {
      onHealthy: () => this.#dispatch({ type: 'stream-delivered' }),
      onDown: () => this.#dispatch({ type: 'stream-down', failures: stream.consecutiveFailures }),
      onStopped: (error) => this.#dispatch({ type: 'key-refused', error }),
    })
    this.#stream = stream
  }

  get state(): SourceState {
    return this.#state
  }

  get connectionState(): ConnectionState {
    return this.#reported
  }

  /** Starts the sources (none when offline). */
  start(): void {
    this.#dispatch({ type: 'start' })
  }

  /** Closed from the call on; resolves once the sources have stopped. Closing twice is a no-op. */
  close(): Promise<unknown> {
    if (this.#state.kind === 'closed') return Promise.resolve()
    this.#dispatch({ type: 'close' })
    return this.#sourcesStopped
  }

  #dispatch(event: SourceEvent): void {
    const { state, actions } = transition(this.#state, event, this.#config)
    this.#state = state
    for (const action of actions) this.#run(action)
    this.#report()
  }

  #run(action: SourceAction): void {
    switch (action.type) {
      case 'start-stream':
        this.#stream?.start()
        return
      case 'start-polling':
        if (action.why !== 'configured') {
          this.#options.logger.warn(
            `${this.#describe(action.why)}; polling every ${this.#options.pollIntervalMs} ms until it is back`,
          )
        }
        this.#poller?.start()
        return
      case 'pause-polling':
        this.#options.logger.info('Stream is back; stopped polling')
        void this.#poller?.pause()
        return
      case 'arm-fallback':
        if (!this.#fallbackTimer) this.#armFallback()
        return
      case 'restart-fallback':
        // the fallback deadline counts from the stream's last message
        if (this.#fallbackTimer) this.#fallbackTimer.refresh()
        else this.#armFallback()
        return
      case 'clear-fallback':
        clearTimeout(this.#fallbackTimer)
        this.#fallbackTimer = undefined
        return
      case 'stop-sources':
        this.#sourcesStopped = Promise.all([this.#stream?.stop(), this.#poller?.stop()])
        return
      case 'report-refused':
        this.#hooks.onKeyRefused(action.error)
        return
    }
  }

  #armFallback(): void {
    this.#fallbackTimer = setTimeout(() => {
      this.#fallbackTimer = undefined
      this.#dispatch({ type: 'fallback-due' })
    }, this.#options.fallbackAfterMs)
  }

  #describe(why: Exclude<PollReason, 'configured'>): string {
    // why: an open socket that stopped delivering is as good as a closed one
    if (why === 'stream-silent') {
      return `Stream delivered nothing for ${this.#options.fallbackAfterMs} ms`
    }
    return 'Stream unavailable'
  }

  /** Tells listeners of a change of the public state (read afresh: a listener may have closed). */
  #report(): void {
    const next = connectionStateOf(this.#state)
    const previous = this.#reported
    if (next === previous) return
    this.#reported = next
    this.#options.logger.debug(`Connection state ${previous} -> ${next}`)
    this.#hooks.onConnectionState({ state: next, previous })
  }
}
