// Semantic versions (semver 2.0.0), parsed by hand over char codes so that reading a context
// attribute allocates nothing: the attribute is parsed into the module registers below, and its
// prerelease is compared in place as a slice of the attribute string.
//
// Accepted beyond strict semver: a leading lowercase `v` (`v1.2.3`), and a missing minor or patch
// (`1` is 1.0.0, `1.2` is 1.2.0, `1.2-rc.1` is 1.2.0-rc.1), as LaunchDarkly does. Rejected: leading
// zeros in numeric identifiers, empty identifiers, whitespace, and major/minor/patch numbers above
// Number.MAX_SAFE_INTEGER. Build metadata is validated and then ignored.

/** A clause value compiled once: the version core plus the prerelease text ('' for a release). */
export interface CompiledSemVer {
  readonly major: number
  readonly minor: number
  readonly patch: number
  /** The dot-separated prerelease identifiers as written (`'rc.1'`); '' for a release. */
  readonly prerelease: string
}

// Registers written by parseSemVerRegisters; read them right after a successful call.
let regMajor = 0
let regMinor = 0
let regPatch = 0
let regText = ''
let regPreStart = 0
let regPreEnd = 0
let pos = 0

const DOT = 46
const DASH = 45
const PLUS = 43
const ZERO = 48
const NINE = 57
const LOWER_V = 118

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE
}

function isIdentifierChar(code: number): boolean {
  return (
    isDigit(code) ||
    code === DASH ||
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) // a-z
  )
}

/** Reads a numeric identifier at `pos` (no leading zero); -1 if there is none or it is too big. */
function readNumber(text: string): number {
  const start = pos
  let value = 0
  while (pos < text.length) {
    const code = text.charCodeAt(pos)
    if (!isDigit(code)) break
    value = value * 10 + (code - ZERO)
    pos++
  }
  if (pos === start) return -1
  if (pos - start > 1 && text.charCodeAt(start) === ZERO) return -1
  return value > Number.MAX_SAFE_INTEGER ? -1 : value
}

/**
 * Reads dot-separated identifiers from `pos` up to `+` or the end. Prerelease numeric identifiers
 * may not have leading zeros; build identifiers may. Returns false when any identifier is empty.
 */
function readIdentifiers(text: string, prerelease: boolean): boolean {
  for (;;) {
    const start = pos
    let numeric = true
    while (pos < text.length) {
      const code = text.charCodeAt(pos)
      if (!isIdentifierChar(code)) break
      if (!isDigit(code)) numeric = false
      pos++
    }
    if (pos === start) return false
    if (prerelease && numeric && pos - start > 1 && text.charCodeAt(start) === ZERO) return false
    if (pos >= text.length || text.charCodeAt(pos) !== DOT) return true
    pos++
  }
}

/**
 * Parses `text` into the registers; returns false when it is not a version. Allocates nothing.
 * perf: runs per evaluation on the context attribute, so no RegExp and no split.
 */
export function parseSemVerRegisters(text: string): boolean {
  pos = text.length > 0 && text.charCodeAt(0) === LOWER_V ? 1 : 0
  const major = readNumber(text)
  if (major < 0) return false
  let minor = 0
  let patch = 0
  if (pos < text.length && text.charCodeAt(pos) === DOT) {
    pos++
    minor = readNumber(text)
    if (minor < 0) return false
    if (pos < text.length && text.charCodeAt(pos) === DOT) {
      pos++
      patch = readNumber(text)
      if (patch < 0) return false
    }
  }
  let preStart = pos
  let preEnd = pos
  if (pos < text.length && text.charCodeAt(pos) === DASH) {
    pos++
    preStart = pos
    if (!readIdentifiers(text, true)) return false
    preEnd = pos
  }
  if (pos < text.length && text.charCodeAt(pos) === PLUS) {
    pos++
    if (!readIdentifiers(text, false)) return false
  }
  if (pos !== text.length) return false
  regMajor = major
  regMinor = minor
  regPatch = patch
  regText = text
  regPreStart = preStart
  regPreEnd = preEnd
  return true
}

/** Parses a clause value once, at compile time; null when it is not a version. */
export function parseSemVer(text: string): CompiledSemVer | null {
  if (!parseSemVerRegisters(text)) return null
  return Object.freeze({
    major: regMajor,
    minor: regMinor,
    patch: regPatch,
    prerelease: regText.slice(regPreStart, regPreEnd),
  })
}

/** End of the identifier starting at `start` (the next dot, or `end`). */
function identifierEnd(text: string, start: number, end: number): number {
  let i = start
  while (i < end && text.charCodeAt(i) !== DOT) i++
  return i
}

function isNumeric(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false
  return true
}

/** Compares two identifiers in place: numbers by value, below alphanumerics, others in ASCII. */
function compareIdentifiers(
  a: string,
  aStart: number,
  aEnd: number,
  b: string,
  bStart: number,
  bEnd: number,
): number {
  const aNumeric = isNumeric(a, aStart, aEnd)
  const bNumeric = isNumeric(b, bStart, bEnd)
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1
  const aLength = aEnd - aStart
  const bLength = bEnd - bStart
  // Numeric identifiers have no leading zeros, so the longer one is the larger: no precision limit.
  if (aNumeric && aLength !== bLength) return aLength < bLength ? -1 : 1
  const length = aLength < bLength ? aLength : bLength
  for (let i = 0; i < length; i++) {
    const diff = a.charCodeAt(aStart + i) - b.charCodeAt(bStart + i)
    if (diff !== 0) return diff < 0 ? -1 : 1
  }
  return aLength === bLength ? 0 : aLength < bLength ? -1 : 1
}

/**
 * Semver precedence of two prereleases given as slices; an empty slice (a release) ranks highest.
 * perf: compares in place by index, so the attribute's prerelease is never sliced or split.
 */
function comparePrerelease(
  a: string,
  aStart: number,
  aEnd: number,
  b: string,
  bStart: number,
  bEnd: number,
): number {
  if (aStart === aEnd || bStart === bEnd) {
    if (aStart === aEnd && bStart === bEnd) return 0
    return aStart === aEnd ? 1 : -1
  }
  let i = aStart
  let j = bStart
  for (;;) {
    const iEnd = identifierEnd(a, i, aEnd)
    const jEnd = identifierEnd(b, j, bEnd)
    const order = compareIdentifiers(a, i, iEnd, b, j, jEnd)
    if (order !== 0) return order
    const aDone = iEnd >= aEnd
    const bDone = jEnd >= bEnd
    if (aDone || bDone) return aDone === bDone ? 0 : aDone ? -1 : 1
    i = iEnd + 1
    j = jEnd + 1
  }
}

/**
 * Orders the version in the registers (the last successful parseSemVerRegisters) against `value`:
 * exactly -1, 0 or 1. Build metadata never counts.
 */
export function compareRegistersTo(value: CompiledSemVer): number {
  if (regMajor !== value.major) return regMajor < value.major ? -1 : 1
  if (regMinor !== value.minor) return regMinor < value.minor ? -1 : 1
  if (regPatch !== value.patch) return regPatch < value.patch ? -1 : 1
  const pre = value.prerelease
  return comparePrerelease(regText, regPreStart, regPreEnd, pre, 0, pre.length)
}
