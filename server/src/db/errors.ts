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

/** The violated constraint's name: postgres.js says `constraint_name`, PGlite `constraint`. */
function constraintOf(pg: PgLikeError): string | undefined {
  return pg.constraint_name ?? pg.constraint
}

/** Whether `error` (or a cause of it) is a unique violation of the named constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pg = findPgError(error)
  return pg?.code === '23505' && constraintOf(pg) === constraint
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

/**
 * Every unique constraint of the schema (migrations/*.sql) by name: what a violation says already
 * exists, and the column whose value names it. Hashes are never echoed, and generated ids are not
 * worth naming (a clash of them is a retry, not a conflict the caller made).
 */
export const UNIQUE_CONSTRAINTS: Record<string, { resource: string; column?: string }> = {
  environments_pkey: { resource: 'environment', column: 'key' },
  flags_pkey: { resource: 'flag', column: 'key' },
  flag_configs_pk: { resource: 'flag config', column: 'flag_key' },
  segments_pk: { resource: 'segment', column: 'key' },
  trigger_alerts_pk: { resource: 'trigger alert', column: 'alert_key' },
  sdk_keys_pkey: { resource: 'sdk key' },
  sdk_keys_key_hash_uq: { resource: 'sdk key' },
  tokens_pkey: { resource: 'token' },
  tokens_token_hash_uq: { resource: 'token' },
  triggers_pkey: { resource: 'trigger' },
  triggers_token_hash_uq: { resource: 'trigger' },
  changes_pkey: { resource: 'change' },
  webhooks_pkey: { resource: 'webhook' },
  webhook_deliveries_pkey: { resource: 'webhook delivery' },
  rollouts_pkey: { resource: 'rollout' },
  schedules_pkey: { resource: 'schedule' },
}

/** A column's value from a violation's detail: `Key (env_key, key)=(production, beta) already exists.` */
function keyValue(detail: string | undefined, column: string): string | undefined {
  const m = /^Key \(([^)]*)\)=\((.*)\) already exists\.?$/.exec(detail ?? '')
  if (!m) return undefined
  const columns = m[1]!.split(', ')
  const values = m[2]!.split(', ')
  // Keys cannot hold ", " (ResourceKey), so the split is exact whenever the counts agree.
  if (columns.length !== values.length) return undefined
  return values[columns.indexOf(column)]
}

/** What a database error means to the caller, whichever driver raised it. */
export type DatabaseFailure =
  /** A unique constraint refused a row: what already exists, and its key when worth naming. */
  | { kind: 'unique-violation'; resource: string; key: string | undefined }
  /** A foreign key refused a change: another row refers to this one. */
  | { kind: 'foreign-key-violation' }
  /** Text the database cannot store (a NUL character). */
  | { kind: 'invalid-text' }
  /** A number out of the column's range. */
  | { kind: 'out-of-range' }
  /** The database cannot be reached, or is shutting down. */
  | { kind: 'unreachable' }

function uniqueViolation(pg: PgLikeError): DatabaseFailure {
  const known = UNIQUE_CONSTRAINTS[constraintOf(pg) ?? '']
  if (!known) return { kind: 'unique-violation', resource: 'resource', key: undefined }
  const key = known.column === undefined ? undefined : keyValue(pg.detail, known.column)
  return { kind: 'unique-violation', resource: known.resource, key }
}

/** Classifies an error of either driver (or one it caused); undefined when it is no database failure. */
export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  const pg = findPgError(error)
  if (pg?.code === '23505') return uniqueViolation(pg)
  if (pg?.code === '23503') return { kind: 'foreign-key-violation' }
  if (pg?.code === '22021' || pg?.code === '22P05') return { kind: 'invalid-text' }
  if (pg?.code === '22003') return { kind: 'out-of-range' }
  if (pg?.code === '57P01' || pg?.code === '57P03' || pg?.code?.startsWith('08')) {
    return { kind: 'unreachable' }
  }
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return { kind: 'unreachable' }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
