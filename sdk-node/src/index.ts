export { init } from './client.js'
export type { SwitchyardClient, WaitForReadyOptions } from './types.js'
export { SwitchyardTimeoutError } from './errors.js'
export type {
  ChangeEvent,
  ClientEventName,
  ClientEvents,
  ConnectionState,
  ConnectionStateEvent,
  Listener,
  ReadyEvent,
  StaleEvent,
} from './events.js'
export { createDefaultLogger, createSilentLogger, type Logger } from './logger.js'
export type { Options, Snapshot } from './options.js'
export { isRetryable } from './backoff.js'
export { isSwitchyardError, SwitchyardError, type SwitchyardErrorCode } from '@switchyard/core'
export type { Context, EvaluationDetail, JsonValue, Reason } from '@switchyard/core'
