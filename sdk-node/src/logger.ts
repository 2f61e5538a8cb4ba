/** Where the client writes diagnostics; compatible with `console`, pino and winston. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void
  info(message: string, ...args: unknown[]): void
  warn(message: string, ...args: unknown[]): void
  error(message: string, ...args: unknown[]): void
}

const PREFIX = '[switchyard]'

const noop = (): void => {}

/** The default logger: warnings and errors go to the console, debug and info are dropped; never throws. */
export function createDefaultLogger(): Logger {
  return {
    debug: noop,
    info: noop,
    warn: (message, ...args) => console.warn(`${PREFIX} ${message}`, ...args),
    error: (message, ...args) => console.error(`${PREFIX} ${message}`, ...args),
  }
}

/** A logger that discards everything (useful in tests); never throws. */
export function createSilentLogger(): Logger {
  return { debug: noop, info: noop, warn: noop, error: noop }
}
