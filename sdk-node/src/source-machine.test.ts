import { SwitchyardError } from '@switchyard/core'
import { describe, expect, it } from 'vitest'
import {
  connectionStateOf,
  initialState,
  transition,
  type MachineConfig,
  type SourceAction,
  type SourceEvent,
  type SourceState,
} from './source-machine.js'

const STREAM: MachineConfig = { stream: true, fallbackAfterFailures: 3 }
const POLL: MachineConfig = { stream: false, fallbackAfterFailures: 3 }
const REFUSED = new SwitchyardError('UNAUTHORIZED', 'Stream refused (401 invalid SDK key)')

const start: SourceEvent = { type: 'start' }
const delivered: SourceEvent = { type: 'stream-delivered' }
const down = (failures: number): SourceEvent => ({ type: 'stream-down', failures })
const due: SourceEvent = { type: 'fallback-due' }
const polled: SourceEvent = { type: 'poll-delivered' }
const pollDown: SourceEvent = { type: 'poll-down' }
const refused: SourceEvent = { type: 'key-refused', error: REFUSED }
const close: SourceEvent = { type: 'close' }

/** `kind`, with why the poller runs in brackets when it does. */
function label(state: SourceState): string {
  if (state.kind === 'stopped') return `stopped(${state.error.code})`
  if ('poller' in state && state.poller !== null) return `${state.kind}(${state.poller})`
  return state.kind
}

function describeAction(action: SourceAction): string {
  if (action.type === 'start-polling') return `start-polling(${action.why})`
  if (action.type === 'report-refused') return `report-refused(${action.error.code})`
  return action.type
}

/** Runs `events` from the initial state: each state after an event, and every action. */
function run(config: MachineConfig, events: SourceEvent[], offline = false) {
  let state = initialState(offline)
  const states: string[] = []
  const actions: string[] = []
  for (const event of events) {
    const step = transition(state, event, config)
    state = step.state
    states.push(label(state))
    actions.push(...step.actions.map(describeAction))
  }
  return { states, actions, state }
}

describe('transition', () => {
  it.each([
    {
      label: 'starts the stream and the fallback timer',
      config: STREAM,
      events: [start],
      states: ['initializing'],
      actions: ['start-stream', 'arm-fallback'],
    },
    {
      label: 'streams once the stream delivers, restarting the timer on each message',
      config: STREAM,
      events: [start, delivered, delivered],
      states: ['initializing', 'streaming', 'streaming'],
      actions: ['start-stream', 'arm-fallback', 'restart-fallback', 'restart-fallback'],
    },
    {
      label: 'keeps the timer running over stream failures below fallbackAfterFailures',
      config: STREAM,
      events: [start, down(1), down(2)],
      states: ['initializing', 'initializing', 'initializing'],
      actions: ['start-stream', 'arm-fallback', 'arm-fallback', 'arm-fallback'],
    },
    {
      label:
        'polls after fallbackAfterFailures stream failures, and says polling once a poll works',
      config: STREAM,
      events: [start, down(1), down(2), down(3), polled],
      states: [
        'initializing',
        'initializing',
        'initializing',
        'initializing(stream-unavailable)',
        'polling(stream-unavailable)',
      ],
      actions: [
        'start-stream',
        'arm-fallback',
        'arm-fallback',
        'arm-fallback',
        'clear-fallback',
        'start-polling(stream-unavailable)',
      ],
    },
    {
      label: 'stops polling when the stream is back, and times its silence again',
      config: STREAM,
      events: [start, down(3), polled, delivered],
      states: [
        'initializing',
        'initializing(stream-unavailable)',
        'polling(stream-unavailable)',
        'streaming',
      ],
      actions: [
        'start-stream',
        'arm-fallback',
        'clear-fallback',
        'start-polling(stream-unavailable)',
        'pause-polling',
        'restart-fallback',
      ],
    },
    {
      label: 'polls when an open stream goes silent: interrupted until a poll works',
      config: STREAM,
      events: [start, delivered, due, polled, delivered],
      states: [
        'initializing',
        'streaming',
        'interrupted(stream-silent)',
        'polling(stream-silent)',
        'streaming',
      ],
      actions: [
        'start-stream',
        'arm-fallback',
        'restart-fallback',
        'start-polling(stream-silent)',
        'pause-polling',
        'restart-fallback',
      ],
    },
    {
      label: 'polls when the stream never delivers within fallbackAfterMs',
      config: STREAM,
      events: [start, due],
      states: ['initializing', 'initializing(stream-unavailable)'],
      actions: ['start-stream', 'arm-fallback', 'start-polling(stream-unavailable)'],
    },
    {
      label: 'is interrupted when a working stream drops, and keeps the timer',
      config: STREAM,
      events: [start, delivered, down(0)],
      states: ['initializing', 'streaming', 'interrupted'],
      actions: ['start-stream', 'arm-fallback', 'restart-fallback', 'arm-fallback'],
    },
    {
      label: 'is interrupted while polls fail, and polling again when one works',
      config: STREAM,
      events: [start, down(3), polled, pollDown, pollDown, polled],
      states: [
        'initializing',
        'initializing(stream-unavailable)',
        'polling(stream-unavailable)',
        'interrupted(stream-unavailable)',
        'interrupted(stream-unavailable)',
        'polling(stream-unavailable)',
      ],
      actions: [
        'start-stream',
        'arm-fallback',
        'clear-fallback',
        'start-polling(stream-unavailable)',
      ],
    },
    {
      label: 'ignores stream failures and the timer while polling',
      config: STREAM,
      events: [start, due, down(1), down(5), due],
      states: [
        'initializing',
        'initializing(stream-unavailable)',
        'initializing(stream-unavailable)',
        'initializing(stream-unavailable)',
        'initializing(stream-unavailable)',
      ],
      actions: ['start-stream', 'arm-fallback', 'start-polling(stream-unavailable)'],
    },
    {
      label: 'ignores polls while the poller does not run',
      config: STREAM,
      events: [start, polled, delivered, polled, pollDown],
      states: ['initializing', 'initializing', 'streaming', 'streaming', 'streaming'],
      actions: ['start-stream', 'arm-fallback', 'restart-fallback'],
    },
    {
      label: 'stops every source for good when the key is refused',
      config: STREAM,
      events: [start, delivered, refused, delivered, down(3), due, polled, refused],
      states: [
        'initializing',
        'streaming',
        'stopped(UNAUTHORIZED)',
        'stopped(UNAUTHORIZED)',
        'stopped(UNAUTHORIZED)',
        'stopped(UNAUTHORIZED)',
        'stopped(UNAUTHORIZED)',
        'stopped(UNAUTHORIZED)',
      ],
      actions: [
        'start-stream',
        'arm-fallback',
        'restart-fallback',
        'clear-fallback',
        'stop-sources',
        'report-refused(UNAUTHORIZED)',
      ],
    },
    {
      label: 'closes from a refused key, stopping the sources again',
      config: STREAM,
      events: [start, refused, close],
      states: ['initializing', 'stopped(UNAUTHORIZED)', 'closed'],
      actions: [
        'start-stream',
        'arm-fallback',
        'clear-fallback',
        'stop-sources',
        'report-refused(UNAUTHORIZED)',
        'clear-fallback',
        'stop-sources',
      ],
    },
    {
      label: 'stays closed whatever comes after close',
      config: STREAM,
      events: [start, down(3), close, delivered, polled, refused, close, start],
      states: [
        'initializing',
        'initializing(stream-unavailable)',
        'closed',
        'closed',
        'closed',
        'closed',
        'closed',
        'closed',
      ],
      actions: [
        'start-stream',
        'arm-fallback',
        'clear-fallback',
        'start-polling(stream-unavailable)',
        'clear-fallback',
        'stop-sources',
      ],
    },
    {
      label: 'polls from the start in polling mode',
      config: POLL,
      events: [start, pollDown, polled, pollDown, polled],
      states: [
        'initializing(configured)',
        'initializing(configured)',
        'polling(configured)',
        'interrupted(configured)',
        'polling(configured)',
      ],
      actions: ['start-polling(configured)'],
    },
    {
      label: 'stops polling for good in polling mode when the key is refused',
      config: POLL,
      events: [start, refused, polled],
      states: ['initializing(configured)', 'stopped(UNAUTHORIZED)', 'stopped(UNAUTHORIZED)'],
      actions: [
        'start-polling(configured)',
        'clear-fallback',
        'stop-sources',
        'report-refused(UNAUTHORIZED)',
      ],
    },
  ])('$label', ({ config, events, states, actions }) => {
    const result = run(config, events)
    expect(result.states).toEqual(states)
    expect(result.actions).toEqual(actions)
  })

  it('stays offline, starting nothing, until closed', () => {
    const result = run(STREAM, [start, delivered, down(3), due, polled, refused, close], true)
    expect(result.states).toEqual([
      'offline',
      'offline',
      'offline',
      'offline',
      'offline',
      'offline',
      'closed',
    ])
    expect(result.actions).toEqual(['clear-fallback', 'stop-sources'])
  })

  it('returns the same state object when nothing changed', () => {
    const { state } = run(STREAM, [start, down(3)])
    expect(transition(state, due, STREAM).state).toBe(state)
    expect(transition(state, pollDown, STREAM).state).toBe(state)
  })
})

describe('connectionStateOf', () => {
  it.each([
    { state: { kind: 'offline' }, expected: 'offline' },
    { state: { kind: 'initializing', poller: null }, expected: 'initializing' },
    { state: { kind: 'initializing', poller: 'stream-unavailable' }, expected: 'initializing' },
    { state: { kind: 'streaming' }, expected: 'streaming' },
    { state: { kind: 'polling', poller: 'configured' }, expected: 'polling' },
    { state: { kind: 'interrupted', poller: 'stream-silent' }, expected: 'interrupted' },
    { state: { kind: 'stopped', error: REFUSED }, expected: 'interrupted' },
    { state: { kind: 'closed' }, expected: 'closed' },
  ] satisfies { state: SourceState; expected: string }[])(
    'shows $state.kind as $expected',
    ({ state, expected }) => {
      expect(connectionStateOf(state)).toBe(expected)
    },
  )
})
