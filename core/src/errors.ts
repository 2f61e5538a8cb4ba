const BRAND = Symbol.for('switchyard.error')

/**
 * Codes of every SwitchyardError, across core and the SDKs (one union so that any package's
 * error can be narrowed on `code`).
 */
export type SwitchyardErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_OPTIONS'
  | 'BOOTSTRAP_FAILED'
  | 'STREAM_FAILED'
  | 'STREAM_TIMEOUT'
  | 'PROTOCOL_ERROR'
  | 'POLL_FAILED'
  | 'UNAUTHORIZED'
  | 'NOT_READY'

/**
 * The base error of every Switchyard package. Check for it with `isSwitchyardError(e)`, not
 * `instanceof`: an app can load two copies of the package.
 *
 * @example
 * throw new SwitchyardError('INVALID_ARGUMENT', 'put: flags must be an array', { cause })
 */
export class SwitchyardError extends Error {
  readonly code: SwitchyardErrorCode

  constructor(code: SwitchyardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SwitchyardError'
    this.code = code
  }
}

// why: unlike instanceof, a prototype brand works across duplicate copies of the package
Object.defineProperty(SwitchyardError.prototype, BRAND, { value: true })

/** Whether `error` is a SwitchyardError from any copy of `@switchyard/core`. Never throws. */
export function isSwitchyardError(error: unknown): error is SwitchyardError {
  if (typeof error !== 'object' || error === null) return false
  try {
    return (error as { [BRAND]?: unknown })[BRAND] === true
  } catch {
    return false // why: a hostile Proxy may throw on property access
  }
}
