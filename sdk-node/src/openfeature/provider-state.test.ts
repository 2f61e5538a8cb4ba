import { describe, expect, it } from 'vitest'
import { IDLE, transition, type ProviderState, type ProviderStateEvent } from './provider-state.js'

const state = (kind: ProviderState['kind']) => ({ kind }) as ProviderState
const STALE: ProviderStateEvent = { type: 'stale', message: 'old' }
const FRESH: ProviderStateEvent = { type: 'fresh', message: 'confirmed' }
const REFUSED: ProviderStateEvent = { type: 'key-refused', message: '401' }

describe('transition', () => {
  it.each([
    { from: 'idle', event: { type: 'initialize' }, to: 'initializing', emit: null },
    { from: 'initializing', event: { type: 'initialized' }, to: 'ready', emit: null },
    {
      from: 'initializing',
      event: { type: 'initialize-failed', fatal: false },
      to: 'waiting',
      emit: null,
    },
    {
      from: 'initializing',
      event: { type: 'initialize-failed', fatal: true },
      to: 'fatal',
      emit: null,
    },
    {
      from: 'waiting',
      event: { type: 'client-ready' },
      to: 'ready',
      emit: { type: 'ready', message: 'The client has flag data' },
    },
    {
      from: 'waiting',
      event: REFUSED,
      to: 'fatal',
      emit: { type: 'error', message: '401', fatal: true },
    },
    { from: 'ready', event: STALE, to: 'stale', emit: { type: 'stale', message: 'old' } },
    { from: 'stale', event: FRESH, to: 'ready', emit: { type: 'ready', message: 'confirmed' } },
    {
      from: 'ready',
      event: REFUSED,
      to: 'refused',
      emit: { type: 'error', message: '401', fatal: false },
    },
    {
      from: 'stale',
      event: REFUSED,
      to: 'refused',
      emit: { type: 'error', message: '401', fatal: false },
    },
  ] as const)('goes from $from to $to on $event.type', ({ from, event, to, emit }) => {
    expect(transition(state(from), event)).toEqual({ state: { kind: to }, emit })
  })

  it.each([
    // initialize() reports its own outcome; the client's events meanwhile change nothing
    { from: 'initializing', event: { type: 'client-ready' } },
    { from: 'initializing', event: STALE },
    { from: 'initializing', event: REFUSED },
    { from: 'idle', event: STALE },
    { from: 'idle', event: { type: 'client-ready' } },
    { from: 'ready', event: FRESH },
    { from: 'ready', event: { type: 'client-ready' } },
    { from: 'stale', event: STALE },
    { from: 'waiting', event: STALE },
    // a refused key ends every retry: nothing brings the provider back
    { from: 'refused', event: FRESH },
    { from: 'refused', event: STALE },
    { from: 'refused', event: { type: 'client-ready' } },
    { from: 'fatal', event: { type: 'client-ready' } },
    { from: 'ready', event: { type: 'initialize' } },
  ] as const)('stays $from on $event.type', ({ from, event }) => {
    const before = state(from)
    expect(transition(before, event)).toEqual({ state: before, emit: null })
  })

  it.each(['initializing', 'ready', 'stale', 'waiting', 'refused', 'fatal'] as const)(
    'goes back to idle from %s on close, quietly',
    (from) => {
      expect(transition(state(from), { type: 'close' })).toEqual({ state: IDLE, emit: null })
    },
  )
})
