import { SwitchyardError, type SwitchyardErrorCode } from '@switchyard/core'

export function sdkError(
  code: SwitchyardErrorCode,
  message: string,
  cause?: unknown,
): SwitchyardError {
  return new SwitchyardError(code, message, cause === undefined ? undefined : { cause })
}

/** The message of a thrown value, for an error report: an Error's message, or the value itself. */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown)
}

/**
 * Rejection of `waitForReady()` (code `NOT_READY`): the client had no data to serve in time, or can
 * no longer get any; it keeps serving bootstrap data or fallbacks.
 */
export class SwitchyardTimeoutError extends SwitchyardError {
  constructor(message: string, cause?: unknown) {
    super('NOT_READY', message, cause === undefined ? undefined : { cause })
    this.name = 'SwitchyardTimeoutError'
  }
}
