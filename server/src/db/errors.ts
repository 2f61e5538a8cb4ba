import {
  alreadyExists,
  conflict,
  type HttpProblem,
  serviceUnavailable,
  validationFailed,
} from '../http/problem.js'

interface PgLikeError {
  code?: string
  constraint?: string
  constraint_name?: string
  detail?: string
}

function findPgError(error: unknown): PgLikeError | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const candidate = current as PgLikeError & { cause?: unknown }
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate
    current = candidate.cause
  }
  return undefined
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'CONNECTION_DESTROYED',
])

/** Maps database errors to problems, once: unique → 409, foreign key → 409, unreachable → 503. */
export function mapDatabaseError(error: unknown): HttpProblem | undefined {
  const pg = findPgError(error)
  if (pg?.code === '23505') return alreadyExists('resource')
  if (pg?.code === '23503')
    return conflict('The resource is referenced by another resource', { code: 'in-use' })
  // Text the database cannot store (a NUL character) or a number out of its range.
  if (pg?.code === '22021' || pg?.code === '22P05') {
    return validationFailed([
      { path: '', code: 'invalid_characters', message: 'text must not contain NUL characters' },
    ])
  }
  if (pg?.code === '22003')
    return validationFailed([
      { path: '', code: 'out_of_range', message: 'a number is out of range' },
    ])
  if (pg?.code === '57P01' || pg?.code === '57P03' || pg?.code?.startsWith('08')) {
    return serviceUnavailable('The database is unavailable')
  }
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && CONNECTION_CODES.has(code))
      return serviceUnavailable('The database is unavailable')
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
