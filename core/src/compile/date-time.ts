// Timestamps for `before` and `after`, parsed by hand over char codes: no Date object, no RegExp,
// and no engine-specific `Date.parse` fallbacks (which accept different formats in different
// browsers, and read an offset-less date-time as local time).
//
// Accepted (the RFC 3339 profile of ISO 8601 that `Date.prototype.toISOString` produces):
//   YYYY-MM-DD                                   midnight UTC
//   YYYY-MM-DDThh:mm[:ss[.fraction]]<offset>     offset is `Z` or `+hh:mm` / `-hh:mm` (required)
// with an uppercase `T` and `Z`, years 0000-9999, real calendar days (leap years), hours 00-23,
// minutes and seconds 00-59, and 1 to 9 fraction digits (truncated to milliseconds).

const MS_PER_MINUTE = 60_000
const MS_PER_DAY = 86_400_000
const ZERO = 48

let pos = 0

/**
 * The result register of readTimestampRegister: epoch ms exceed the small-integer range, so
 * returning one from a call would box a HeapNumber per evaluation.
 * perf: a Float64Array slot holds it unboxed (bench/eval/README.md, "Allocation")
 */
export const TIME_REGISTER = new Float64Array(1)

/** Reads exactly `count` digits at `pos` as a number; -1 when any is not a digit. */
function readDigits(text: string, count: number): number {
  if (pos + count > text.length) return -1
  let value = 0
  for (let i = 0; i < count; i++) {
    const digit = text.charCodeAt(pos + i) - ZERO
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  pos += count
  return value
}

function expect(text: string, code: number): boolean {
  if (pos >= text.length || text.charCodeAt(pos) !== code) return false
  pos++
  return true
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** Epoch milliseconds of an ISO 8601 timestamp in the accepted profile, or NaN. */
export function parseTimestamp(text: string): number {
  return parseTimestampRegister(text) ? TIME_REGISTER[0]! : NaN
}

/**
 * A `before`/`after` operand as epoch ms: a finite number is taken as epoch ms, a string must be
 * an accepted timestamp. NaN for anything else.
 */
export function toEpochMs(value: unknown): number {
  return readTimestampRegister(value) ? TIME_REGISTER[0]! : NaN
}

/**
 * Like toEpochMs, but leaves the epoch ms in TIME_REGISTER[0] and returns whether there is one.
 * Allocates nothing for strings; runs per evaluation on before/after attributes.
 */
export function readTimestampRegister(value: unknown): boolean {
  if (typeof value === 'string') return parseTimestampRegister(value)
  if (typeof value !== 'number' || !Number.isFinite(value)) return false
  TIME_REGISTER[0] = value
  return true
}

function parseTimestampRegister(text: string): boolean {
  pos = 0
  const year = readDigits(text, 4)
  if (year < 0 || !expect(text, 45)) return false // '-'
  const month = readDigits(text, 2)
  if (month < 1 || month > 12 || !expect(text, 45)) return false
  const day = readDigits(text, 2)
  if (day < 1 || day > daysInMonth(year, month)) return false
  const days = daysFromCivil(year, month, day)
  if (pos === text.length) {
    TIME_REGISTER[0] = days * MS_PER_DAY
    return true
  }
  if (!expect(text, 84)) return false // 'T'
  const hour = readDigits(text, 2)
  if (hour < 0 || hour > 23 || !expect(text, 58)) return false // ':'
  const minute = readDigits(text, 2)
  if (minute < 0 || minute > 59) return false
  let second = 0
  let ms = 0
  if (expect(text, 58)) {
    second = readDigits(text, 2)
    if (second < 0 || second > 59) return false
    if (expect(text, 46)) {
      // '.': 1-9 digits; the first three are milliseconds, the rest are truncated
      let digits = 0
      while (pos < text.length && digits < 9) {
        const digit = text.charCodeAt(pos) - ZERO
        if (digit < 0 || digit > 9) break
        if (digits < 3) ms = ms * 10 + digit
        digits++
        pos++
      }
      if (digits === 0) return false
      for (let i = digits; i < 3; i++) ms *= 10
    }
  }
  let offset = 0 // 'Z'
  if (!expect(text, 90)) {
    const sign = pos < text.length ? text.charCodeAt(pos) : 0
    if (sign !== 43 && sign !== 45) return false // '+' or '-'
    pos++
    const offsetHour = readDigits(text, 2)
    if (offsetHour < 0 || offsetHour > 23 || !expect(text, 58)) return false
    const offsetMinute = readDigits(text, 2)
    if (offsetMinute < 0 || offsetMinute > 59) return false
    offset = (offsetHour * 60 + offsetMinute) * (sign === 43 ? 1 : -1)
  }
  if (pos !== text.length) return false
  const minutes = hour * 60 + minute - offset
  TIME_REGISTER[0] = days * MS_PER_DAY + minutes * MS_PER_MINUTE + second * 1000 + ms
  return true
}
