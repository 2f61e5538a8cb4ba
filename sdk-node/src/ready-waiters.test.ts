import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ReadyWaiters } from './ready-waiters.js'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

/** Which way a promise settled, without waiting for it. */
function track(promise: Promise<void>): { outcome: unknown } {
  const tracked: { outcome: unknown } = { outcome: 'pending' }
  promise.then(
    () => (tracked.outcome = 'resolved'),
    (error: unknown) => (tracked.outcome = error),
  )
  return tracked
}

describe('ReadyWaiters', () => {
  it('resolves every waiter and clears their timers', async () => {
    const waiters = new ReadyWaiters()
    const a = track(waiters.add(1_000, () => new Error('late')))
    const b = track(waiters.add(5_000, () => new Error('late')))

    waiters.resolveAll()
    await vi.advanceTimersByTimeAsync(0)

    expect([a.outcome, b.outcome]).toEqual(['resolved', 'resolved'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects one waiter with its timeout error, and the others keep waiting', async () => {
    const waiters = new ReadyWaiters()
    const late = new Error('not ready after 100 ms')
    const short = track(waiters.add(100, () => late))
    const long = track(waiters.add(1_000, () => new Error('later')))

    await vi.advanceTimersByTimeAsync(100)
    expect(short.outcome).toBe(late)
    expect(long.outcome).toBe('pending')

    waiters.resolveAll()
    await vi.advanceTimersByTimeAsync(0)
    expect(long.outcome).toBe('resolved')
  })

  it('rejects every waiter with the error given', async () => {
    const waiters = new ReadyWaiters()
    const closed = new Error('closed')
    const a = track(waiters.add(1_000, () => new Error('late')))

    waiters.rejectAll(closed)
    await vi.advanceTimersByTimeAsync(0)

    expect(a.outcome).toBe(closed)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('waits the longest timer a Node timer holds for a longer or infinite timeout', async () => {
    const waiters = new ReadyWaiters()
    const a = track(waiters.add(Infinity, () => new Error('late')))

    await vi.advanceTimersByTimeAsync(60_000)

    expect(a.outcome).toBe('pending')
    waiters.resolveAll()
  })
})
