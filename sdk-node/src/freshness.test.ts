import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { StaleEvent } from './events.js'
import { FreshnessTracker } from './freshness.js'
import type { Logger } from './logger.js'

const MAX_AGE = 400

function createTracker(maxDataAgeMs: number | null = MAX_AGE) {
  const events: StaleEvent[] = []
  const logs: string[] = []
  const logger: Logger = {
    debug: () => {},
    info: (message) => logs.push(`info: ${message}`),
    warn: (message) => logs.push(`warn: ${message}`),
    error: (message) => logs.push(`error: ${message}`),
  }
  const tracker = new FreshnessTracker({
    maxDataAgeMs,
    logger,
    onStaleChange: (event) => events.push(event),
  })
  return { tracker, events, logs }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('FreshnessTracker', () => {
  it('goes stale once the data has aged maxDataAgeMs, and says so once', () => {
    const { tracker, events, logs } = createTracker()
    tracker.confirm()
    tracker.startAging()

    vi.advanceTimersByTime(MAX_AGE - 1)
    expect(tracker.stale).toBe(false)
    vi.advanceTimersByTime(1)

    expect(tracker.stale).toBe(true)
    expect(events).toEqual([{ stale: true, dataAgeMs: MAX_AGE }])
    expect(logs).toEqual([
      `warn: Data not confirmed by the server for ${MAX_AGE} ms (maxDataAgeMs ${MAX_AGE}): serving fallbacks until it is`,
    ])
    vi.advanceTimersByTime(MAX_AGE * 3)
    expect(events).toHaveLength(1)
  })

  it('counts the age from the last confirmation, not from the first', () => {
    const { tracker, events } = createTracker()
    tracker.confirm()
    tracker.startAging()
    vi.advanceTimersByTime(300)
    tracker.confirm()

    vi.advanceTimersByTime(MAX_AGE - 1)
    expect(tracker.stale).toBe(false)
    vi.advanceTimersByTime(1)

    expect(tracker.stale).toBe(true)
    expect(events).toEqual([{ stale: true, dataAgeMs: MAX_AGE }])
  })

  it('counts from its creation when the data was never confirmed (a bootstrap)', () => {
    const { tracker } = createTracker()
    vi.advanceTimersByTime(300)
    tracker.startAging()

    vi.advanceTimersByTime(MAX_AGE - 300 - 1)
    expect(tracker.stale).toBe(false)
    vi.advanceTimersByTime(1)

    expect(tracker.stale).toBe(true)
  })

  it('does not age before it is told the client has data', () => {
    const { tracker, events } = createTracker()
    tracker.confirm()

    vi.advanceTimersByTime(MAX_AGE * 3)

    expect(tracker.stale).toBe(false)
    expect(events).toEqual([])
  })

  it('is fresh again on a confirmation, and goes stale again when they stop', () => {
    const { tracker, events, logs } = createTracker()
    tracker.confirm()
    tracker.startAging()
    vi.advanceTimersByTime(MAX_AGE + 100)
    expect(tracker.stale).toBe(true)

    tracker.confirm()

    expect(tracker.stale).toBe(false)
    expect(events).toEqual([
      { stale: true, dataAgeMs: MAX_AGE },
      { stale: false, dataAgeMs: MAX_AGE + 100 },
    ])
    expect(logs.at(-1)).toBe('info: Data confirmed by the server again: serving flags again')
    vi.advanceTimersByTime(MAX_AGE)
    expect(tracker.stale).toBe(true)
    expect(events.map((e) => e.stale)).toEqual([true, false, true])
  })

  it('never goes stale without maxDataAgeMs', () => {
    const { tracker, events } = createTracker(null)
    tracker.confirm()
    tracker.startAging()

    vi.advanceTimersByTime(10 * 60_000)

    expect(tracker.stale).toBe(false)
    expect(events).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('tells when the server last confirmed the data, on the wall clock', () => {
    const { tracker } = createTracker(null)
    expect(tracker.lastUpdated).toBeNull()
    expect(tracker.dataAgeMs).toBeNull()

    tracker.confirm()
    const confirmed = Date.now()
    vi.advanceTimersByTime(250)

    expect(tracker.lastUpdated?.getTime()).toBe(confirmed)
    expect(tracker.dataAgeMs).toBe(250)
  })
})
