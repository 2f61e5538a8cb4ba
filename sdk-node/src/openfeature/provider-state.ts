/**
 * The provider's state, as one value. Each state but `idle` and `initializing` is an OpenFeature
 * provider status: `ready` READY, `stale` STALE, `waiting` and `refused` ERROR, `fatal` FATAL.
 */
export type ProviderState =
  /** Not initialized, or closed (and may be initialized again). */
  | { readonly kind: 'idle' }
  /** initialize() is waiting for the client's first data. */
  | { readonly kind: 'initializing' }
  /** The client has data and the server confirms it. */
  | { readonly kind: 'ready' }
  /** With maxDataAgeMs: the data went unconfirmed too long; evaluations serve defaults. */
  | { readonly kind: 'stale' }
  /** initialize() timed out; the client keeps trying, and the provider is READY once it has data. */
  | { readonly kind: 'waiting' }
  /** The key was refused after the client had data: it serves that data, and never updates it. */
  | { readonly kind: 'refused' }
  /** The key was refused (or the client closed) before any data: it never has any. */
  | { readonly kind: 'fatal' }

export type ProviderStateEvent =
  | { readonly type: 'initialize' }
  | { readonly type: 'initialized' }
  /** initialize() failed; `fatal` when the client can never get data (key refused, closed). */
  | { readonly type: 'initialize-failed'; readonly fatal: boolean }
  /** The client got its first data. */
  | { readonly type: 'client-ready' }
  | { readonly type: 'stale'; readonly message: string }
  | { readonly type: 'fresh'; readonly message: string }
  | { readonly type: 'key-refused'; readonly message: string }
  | { readonly type: 'close' }

/** The provider event a transition emits (initialize()'s own outcome is emitted by the SDK). */
export type ProviderEmission =
  | { readonly type: 'ready'; readonly message: string }
  | { readonly type: 'stale'; readonly message: string }
  | { readonly type: 'error'; readonly message: string; readonly fatal: boolean }

export interface ProviderStep {
  readonly state: ProviderState
  readonly emit: ProviderEmission | null
}

export const IDLE: ProviderState = { kind: 'idle' }
const INITIALIZING: ProviderState = { kind: 'initializing' }
const READY: ProviderState = { kind: 'ready' }
const STALE: ProviderState = { kind: 'stale' }
const WAITING: ProviderState = { kind: 'waiting' }
const REFUSED: ProviderState = { kind: 'refused' }
const FATAL: ProviderState = { kind: 'fatal' }

/** The state after `event` and the event to emit. Pure; events a state does not expect change nothing. */
export function transition(state: ProviderState, event: ProviderStateEvent): ProviderStep {
  if (event.type === 'close') return { state: IDLE, emit: null }
  switch (state.kind) {
    case 'idle':
      return event.type === 'initialize' ? quiet(INITIALIZING) : quiet(state)
    case 'initializing':
      if (event.type === 'initialized') return quiet(READY)
      if (event.type === 'initialize-failed') return quiet(event.fatal ? FATAL : WAITING)
      return quiet(state)
    case 'waiting':
      if (event.type === 'client-ready') {
        return { state: READY, emit: { type: 'ready', message: 'The client has flag data' } }
      }
      if (event.type === 'key-refused') {
        return { state: FATAL, emit: { type: 'error', message: event.message, fatal: true } }
      }
      return quiet(state)
    case 'ready':
      if (event.type === 'stale') {
        return { state: STALE, emit: { type: 'stale', message: event.message } }
      }
      return refusedOr(state, event)
    case 'stale':
      if (event.type === 'fresh') {
        return { state: READY, emit: { type: 'ready', message: event.message } }
      }
      return refusedOr(state, event)
    case 'refused':
    case 'fatal':
      return quiet(state)
  }
}

function refusedOr(state: ProviderState, event: ProviderStateEvent): ProviderStep {
  if (event.type !== 'key-refused') return quiet(state)
  return { state: REFUSED, emit: { type: 'error', message: event.message, fatal: false } }
}

function quiet(state: ProviderState): ProviderStep {
  return { state, emit: null }
}
