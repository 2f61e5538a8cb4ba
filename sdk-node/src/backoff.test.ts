import { describe, expect, it } from 'vitest'
import { createBackoff, isRetryable } from './backoff.js'

/** A backoff on a clock the test sets (`clock.now`), with delays of half the ceiling. */
function clockedBackoff() {
  const clock = { now: 0 }
  const backoff = createBackoff({
    initialMs: 100,
    maxMs: 10_000,
    resetAfterMs: 60_000,
    random: () => 0.5,
    now: () => clock.now,
  })
  return { backoff, clock }
}

describe('createBackoff', () => {
  it('doubles the ceiling on each failure and caps it at maxMs', () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0.999_999 })

    const delays = Array.from({ length: 7 }, () => backoff.next())

    expect(delays).toEqual([99, 199, 399, 799, 999, 999, 999])
    expect(backoff.attempts).toBe(7)
  })

  it('applies full jitter: each delay is random * ceiling', () => {
    const randoms = [0, 0.5, 0.25, 0.1]
    const backoff = createBackoff({
      initialMs: 100,
      maxMs: 10_000,
      random: () => randoms.shift() ?? 0,
    })

    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      0, 100, 100, 80,
    ])
  })

  it('stays finite after very many failures', () => {
    const backoff = createBackoff({ initialMs: 500, maxMs: 30_000, random: () => 0.5 })
    for (let i = 0; i < 2_000; i++) backoff.next()
    expect(backoff.next()).toBe(15_000)
  })

  it('starts over after reset', () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0.5 })
    backoff.next()
    backoff.next()
    backoff.reset()
    expect(backoff.next()).toBe(50)
  })

  it('resets only after a connection stayed healthy for resetAfterMs', () => {
    const { backoff, clock } = clockedBackoff()
    backoff.next()
    backoff.next()
    backoff.markHealthy()
    clock.now = 59_999
    expect(backoff.next()).toBe(200)

    backoff.markHealthy()
    clock.now += 60_000
    expect(backoff.next()).toBe(50)
  })

  it('resets on resetUnlessRepeated only when the previous call is resetAfterMs old', () => {
    const { backoff, clock } = clockedBackoff()
    backoff.next()
    backoff.next()

    expect(backoff.resetUnlessRepeated()).toBe(true)
    expect(backoff.next()).toBe(50)
    clock.now = 59_999
    expect(backoff.resetUnlessRepeated()).toBe(false)
    expect(backoff.next()).toBe(100)
    // the window counts from the latest call, so a steady repetition never resets
    clock.now += 59_999
    expect(backoff.resetUnlessRepeated()).toBe(false)
    expect(backoff.next()).toBe(200)

    clock.now += 60_000
    expect(backoff.resetUnlessRepeated()).toBe(true)
    expect(backoff.next()).toBe(50)
  })
})

describe('isRetryable', () => {
  it.each([
    { status: 401, retryable: false },
    { status: 403, retryable: false },
    { status: 400, retryable: false },
    { status: 404, retryable: false },
    { status: 408, retryable: true },
    { status: 429, retryable: true },
    { status: 500, retryable: true },
    { status: 502, retryable: true },
    { status: 503, retryable: true },
    { status: 302, retryable: true },
  ])('says $status is retryable: $retryable', ({ status, retryable }) => {
    expect(isRetryable(status)).toBe(retryable)
  })
})
