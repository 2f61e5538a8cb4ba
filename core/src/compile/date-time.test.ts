import { describe, expect, it } from 'vitest'
import { parseTimestamp, toEpochMs } from './date-time.js'

describe('parseTimestamp', () => {
  it.each([
    { text: '2024-06-30', ms: Date.UTC(2024, 5, 30) },
    { text: '2024-06-30T12:00Z', ms: Date.UTC(2024, 5, 30, 12) },
    { text: '2024-06-30T12:00:00Z', ms: Date.UTC(2024, 5, 30, 12) },
    { text: '2024-06-30T12:00:00.123Z', ms: Date.UTC(2024, 5, 30, 12, 0, 0, 123) },
    { text: '2024-06-30T12:00:00.1Z', ms: Date.UTC(2024, 5, 30, 12, 0, 0, 100) },
    { text: '2024-06-30T12:00:00.123456789Z', ms: Date.UTC(2024, 5, 30, 12, 0, 0, 123) },
    { text: '2024-06-30T14:30:00+02:30', ms: Date.UTC(2024, 5, 30, 12) },
    { text: '2024-06-30T00:00:00-05:00', ms: Date.UTC(2024, 5, 30, 5) },
    { text: '2024-02-29', ms: Date.UTC(2024, 1, 29) },
    { text: '2000-02-29', ms: Date.UTC(2000, 1, 29) },
    { text: '1969-12-31T23:59:59.999Z', ms: -1 },
    { text: '0000-01-01', ms: -62_167_219_200_000 },
    { text: '9999-12-31T23:59:59.999Z', ms: 253_402_300_799_999 },
  ])('reads $text as $ms', ({ text, ms }) => {
    expect(parseTimestamp(text)).toBe(ms)
  })

  it('agrees with Date.parse on every day of a leap-year cycle', () => {
    for (let day = 0; day < 4 * 366; day += 1) {
      const iso = new Date(
        Date.UTC(1999, 0, 1 + day, day % 24, day % 60, day % 60, day % 1000),
      ).toISOString()
      expect(parseTimestamp(iso), iso).toBe(Date.parse(iso))
    }
  })

  it.each([
    '',
    '2024',
    '2024-06',
    '24-06-30',
    '2024-6-30',
    '2024-06-30T12:00:00', // no offset: would be local time
    '2024-06-30T12Z',
    '2024-06-30 12:00:00Z',
    '2024-06-30t12:00:00z',
    '2024-06-30T12:00:00.Z',
    '2024-06-30T12:00:00.1234567890Z',
    '2024-06-30T12:00:00+0200',
    '2024-06-30T12:00:00+24:00',
    '2024-06-30T24:00:00Z',
    '2024-06-30T12:60:00Z',
    '2024-06-30T12:00:60Z',
    '2024-00-10',
    '2024-13-10',
    '2024-04-31',
    '2023-02-29',
    '1900-02-29',
    '+002024-06-30',
    '2024-06-30Z',
    ' 2024-06-30',
    'June 30, 2024',
  ])('rejects %j', (text) => {
    expect(parseTimestamp(text)).toBeNaN()
  })
})

describe('toEpochMs', () => {
  it('takes finite numbers as epoch ms and rejects other types', () => {
    expect(toEpochMs(1_719_748_800_000)).toBe(1_719_748_800_000)
    expect(toEpochMs(-0.5)).toBe(-0.5)
    expect(toEpochMs(Number.NaN)).toBeNaN()
    expect(toEpochMs(Number.POSITIVE_INFINITY)).toBeNaN()
    expect(toEpochMs(true)).toBeNaN()
    expect(toEpochMs(new Date(0))).toBeNaN()
    expect(toEpochMs('1719748800000')).toBeNaN()
  })
})
