import { pino } from 'pino'

export type Logger = pino.Logger

/** An error for the log: message, code and cause chain, never a query or its parameters. */
export function serializeError(error: unknown): Record<string, unknown> {
  const seen = new Set<unknown>()
  const walk = (e: unknown, depth: number): Record<string, unknown> | string => {
    if (!(e instanceof Error) || seen.has(e) || depth > 5) return String(e)
    seen.add(e)
    const { code, severity, constraint_name: constraint } = e as Error & Record<string, unknown>
    // drizzle's "Failed query: <sql>\nparams: <values>" message repeats the values: keep the first line.
    const message = e.name === 'DrizzleQueryError' ? 'database query failed' : e.message
    return {
      type: e.name,
      message,
      ...(code === undefined ? {} : { code }),
      ...(severity === undefined ? {} : { severity }),
      ...(constraint === undefined ? {} : { constraint }),
      // Only frames: a message can span lines (drizzle's carries the query parameters).
      stack: e.stack
        ?.split('\n')
        .filter((line) => line.trimStart().startsWith('at '))
        .slice(0, 5)
        .join('\n'),
      ...(e.cause === undefined ? {} : { cause: walk(e.cause, depth + 1) }),
    }
  }
  const result = walk(error, 0)
  return typeof result === 'string' ? { message: result } : result
}

/** Structured JSON logs on stdout. Secrets never reach a log line (see redact). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchyard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Database errors carry the query's bound values (secrets among them): log them without.
      serializers: { err: serializeError },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          'token',
          '*.token',
          'key',
          '*.key',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  )
}
