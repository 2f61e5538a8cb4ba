import { describe, expect, it } from 'vitest'
import { fitsBacklog } from './back-pressure.js'

const MiB = 1024 * 1024

describe('fitsBacklog', () => {
  it('always lets a frame into an empty backlog, however large', () => {
    expect(fitsBacklog(0, 50 * MiB, 8 * MiB, 0)).toBe(true)
  })

  it('refuses a frame that would take the backlog past the bound', () => {
    expect(fitsBacklog(8 * MiB - 100, 100, 8 * MiB, 0)).toBe(true)
    expect(fitsBacklog(8 * MiB - 100, 101, 8 * MiB, 0)).toBe(false)
  })

  it('allows the size of the latest put on top, so patches may follow a put larger than the bound', () => {
    // a 20 MiB put is still queued; a 1 KiB patch after it fits, a backlog of 28 MiB more does not
    expect(fitsBacklog(20 * MiB, 1024, 8 * MiB, 20 * MiB)).toBe(true)
    expect(fitsBacklog(28 * MiB, 1, 8 * MiB, 20 * MiB)).toBe(false)
  })
})
