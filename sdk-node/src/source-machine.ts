import type { SwitchyardError } from '@switchyard/core'
import type { ConnectionState } from './events.js'

/** Why the poller runs: polling mode, or the stream's fallback and what set it off. */
export type PollReason = 'configured' | 'stream-unavailable' | 'stream-silent'

/**
 * Where the client's data comes from, as one value. `poller` is why the poller runs, null when
 * it does not; in `initializing` and `interrupted` it runs but has not delivered (yet or again).
 */
export type SourceState =
  | { readonly kind: 'offline' }
  /** No source has delivered anything yet. */
  | { readonly kind: 'initializing'; readonly poller: PollReason | null }
  /** The stream delivered within the last fallbackAfterMs. */
  | { readonly kind: 'streaming' }
  /** The poller runs and its last poll succeeded. */
  | { readonly kind: 'polling'; readonly poller: PollReason }
  /** A source delivered before, none delivers now; retrying. */
  | { readonly kind: 'interrupted'; readonly poller: PollReason | null }
  /** The key was refused: every source stopped for good. */
  | { readonly kind: 'stopped'; readonly error: SwitchyardError }
  | { readonly kind: 'closed' }

export type SourceEvent =
  /** Start the sources (once, from the initial state). */
  | { readonly type: 'start' }
  /** A valid message arrived on the stream. */
  | { readonly type: 'stream-delivered' }
  /** A stream connection ended or failed and will be retried; `failures` in a row delivered nothing. */
  | { readonly type: 'stream-down'; readonly failures: number }
  /** The stream delivered nothing for fallbackAfterMs, connected or not. */
  | { readonly type: 'fallback-due' }
  /** A poll succeeded (new data or a 304). */
  | { readonly type: 'poll-delivered' }
  /** A poll failed and will be retried. */
  | { readonly type: 'poll-down' }
  /** A source was refused for good (a bad or revoked key). */
  | { readonly type: 'key-refused'; readonly error: SwitchyardError }
  | { readonly type: 'close' }

/** What the supervisor does on a transition, in order, before it tells of the new state. */
export type SourceAction =
  | { readonly type: 'start-stream' }
  | { readonly type: 'start-polling'; readonly why: PollReason }
  /** Stop polling until started again (the stream is back). */
  | { readonly type: 'pause-polling' }
  /** Start the fallbackAfterMs timer, unless it runs already. */
  | { readonly type: 'arm-fallback' }
  /** Start the fallbackAfterMs timer over, from now. */
  | { readonly type: 'restart-fallback' }
  | { readonly type: 'clear-fallback' }
  /** Stop the stream and the poller for good. */
  | { readonly type: 'stop-sources' }
  /** Tell the client the key was refused. */
  | { readonly type: 'report-refused'; readonly error: SwitchyardError }

export interface MachineConfig {
  /** Stream, with polling as the fallback; false polls only. */
  stream: boolean
  /** Poll once this many stream connection attempts in a row delivered nothing. */
  fallbackAfterFailures: number
}

/** A transition's result; `state` is the same object when it did not change. */
export interface Step {
  readonly state: SourceState
  readonly actions: readonly SourceAction[]
}

const STREAMING: SourceState = { kind: 'streaming' }
const CLOSED: SourceState = { kind: 'closed' }
const NO_ACTIONS: readonly SourceAction[] = []
const RESTART_FALLBACK: readonly SourceAction[] = [{ type: 'restart-fallback' }]
const STREAM_BACK: readonly SourceAction[] = [
  { type: 'pause-polling' },
  { type: 'restart-fallback' },
]
const ARM_FALLBACK: readonly SourceAction[] = [{ type: 'arm-fallback' }]
const STOP: readonly SourceAction[] = [{ type: 'clear-fallback' }, { type: 'stop-sources' }]

/** The state before `start`: offline for good, or about to connect. */
export function initialState(offline: boolean): SourceState {
  return offline ? { kind: 'offline' } : { kind: 'initializing', poller: null }
}

/**
 * The state after `event` and what to do about it. Pure: the supervisor owns the sources and
 * the timer and runs the actions. Events a state does not expect leave it as it is.
 */
export function transition(state: SourceState, event: SourceEvent, config: MachineConfig): Step {
  if (state.kind === 'closed') return unchanged(state)
  if (event.type === 'close') return { state: CLOSED, actions: STOP }
  if (state.kind === 'offline' || state.kind === 'stopped') return unchanged(state)
  const poller = state.kind === 'streaming' ? null : state.poller

  switch (event.type) {
    case 'key-refused':
      return {
        state: { kind: 'stopped', error: event.error },
        actions: [...STOP, { type: 'report-refused', error: event.error }],
      }
    case 'start':
      if (state.kind !== 'initializing' || poller !== null) return unchanged(state)
      if (config.stream) {
        return { state, actions: [{ type: 'start-stream' }, { type: 'arm-fallback' }] }
      }
      return {
        state: { kind: 'initializing', poller: 'configured' },
        actions: [{ type: 'start-polling', why: 'configured' }],
      }
    case 'stream-delivered':
      // back from polling, the silence deadline counts again from this message
      return { state: STREAMING, actions: poller === null ? RESTART_FALLBACK : STREAM_BACK }
    case 'stream-down':
      if (poller !== null) return unchanged(state)
      if (event.failures >= config.fallbackAfterFailures) {
        return {
          state: waiting(state, 'stream-unavailable'),
          actions: [
            { type: 'clear-fallback' },
            { type: 'start-polling', why: 'stream-unavailable' },
          ],
        }
      }
      return { state: waiting(state, null), actions: ARM_FALLBACK }
    case 'fallback-due': {
      if (poller !== null) return unchanged(state)
      // a stream that delivered before the timer ran out is still connected: it went silent
      const why = state.kind === 'streaming' ? 'stream-silent' : 'stream-unavailable'
      return { state: waiting(state, why), actions: [{ type: 'start-polling', why }] }
    }
    case 'poll-delivered':
      if (poller === null || state.kind === 'polling') return unchanged(state)
      return { state: { kind: 'polling', poller }, actions: NO_ACTIONS }
    case 'poll-down':
      if (state.kind !== 'polling') return unchanged(state)
      return { state: { kind: 'interrupted', poller }, actions: NO_ACTIONS }
  }
}

/** The public connection state of a state. */
export function connectionStateOf(state: SourceState): ConnectionState {
  return state.kind === 'stopped' ? 'interrupted' : state.kind
}

function unchanged(state: SourceState): Step {
  return { state, actions: NO_ACTIONS }
}

/** No source delivers: still initializing if none ever did, interrupted otherwise. */
function waiting(
  state: Exclude<SourceState, { kind: 'offline' | 'stopped' | 'closed' }>,
  poller: PollReason | null,
): SourceState {
  if (state.kind === 'initializing') {
    return state.poller === poller ? state : { kind: 'initializing', poller }
  }
  if (state.kind === 'interrupted' && state.poller === poller) return state
  return { kind: 'interrupted', poller }
}
