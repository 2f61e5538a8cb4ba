import { pino } from 'pino'

export type Logger = pino.Logger

/** Structured JSON logs on stdout. Secrets never reach a log line (see redact). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchyard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['authorization', '*.authorization', 'headers.authorization', 'token', '*.token', 'key', '*.key'], censor: '[redacted]' },
    },
    destination,
  )
}
