import { SwitchyardError, type SwitchyardErrorCode } from '@switchyard/core'

export function sdkError(
  code: SwitchyardErrorCode,
  message: string,
  cause?: unknown,
): SwitchyardError {
  return new SwitchyardError(code, message, cause === undefined ? undefined : { cause })
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
