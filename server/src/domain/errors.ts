/** A wrong field of an input, and why: `path` like `rules.0.clauses.1.op`, `''` for the whole. */
export interface FieldError {
  path: string
  code: string
  message: string
}

/**
 * What the domain refuses to do, as plain data: no status code, header or framework type. The
 * HTTP edge answers each kind with its problem type (http/to-problem.ts); jobs read `message`.
 */
export abstract class DomainError extends Error {}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError
}

/** Something looked up by key does not exist (a flag, an environment, a kill rule, …). */
export class NotFoundError extends DomainError {
  constructor(
    readonly resource: string,
    readonly key?: string,
  ) {
    super(key === undefined ? `${resource} not found` : `${resource} '${key}' not found`)
    this.name = 'NotFoundError'
  }
}

/** A trigger URL no enabled trigger has: it names nothing, so a URL's existence does not leak. */
export class UnknownTriggerError extends DomainError {
  constructor() {
    super('no such trigger')
    this.name = 'UnknownTriggerError'
  }
}

/** A key that is already taken; `key` is absent when naming it would echo a secret's hash. */
export class AlreadyExistsError extends DomainError {
  constructor(
    readonly resource: string,
    readonly key?: string,
  ) {
    super(key === undefined ? `${resource} already exists` : `${resource} '${key}' already exists`)
    this.name = 'AlreadyExistsError'
  }
}

/** Input the domain refuses, one entry per wrong field. */
export class ValidationError extends DomainError {
  constructor(
    readonly errors: FieldError[],
    detail?: string,
  ) {
    super(detail ?? errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '))
    this.name = 'ValidationError'
  }
}

/** A body that should hold JSON and does not (a trigger delivery's). */
export class InvalidJsonError extends DomainError {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidJsonError'
  }
}

/** The change would break another resource; `details` says which (`usedBy`, `state`, …). */
export class ConflictError extends DomainError {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'ConflictError'
  }
}

/** The caller expected another version of what it writes than the current one. */
export class VersionConflictError extends DomainError {
  constructor(
    readonly expected: number,
    readonly current: number,
  ) {
    super(`version ${expected} was expected; the current version is ${current}`)
    this.name = 'VersionConflictError'
  }
}

/** A change that has no before-state to put back. */
export class NotRevertibleError extends DomainError {
  constructor(
    readonly changeId: number,
    readonly action: string,
  ) {
    super(`change #${changeId} (${action}) cannot be reverted`)
    this.name = 'NotRevertibleError'
  }
}

/** Something the domain depends on (the database) cannot be reached; worth a retry. */
export class UnavailableError extends DomainError {
  constructor(message: string) {
    super(message)
    this.name = 'UnavailableError'
  }
}

/**
 * A signed trigger delivery whose signature is missing or wrong; says how a right one is made
 * (the header it travels in, and the algorithm).
 */
export class InvalidSignatureError extends DomainError {
  constructor(
    format: string,
    readonly header: string,
    readonly algorithm: 'hmac-sha256' | 'shared-secret',
  ) {
    super(`the ${format} signature is missing or wrong`)
    this.name = 'InvalidSignatureError'
  }
}

/** Too many requests for one thing at once; may be retried after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message)
    this.name = 'RateLimitedError'
  }
}
