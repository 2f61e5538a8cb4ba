import { fromDatabaseError } from '../domain/database-errors.js'
import {
  AlreadyExistsError,
  ConflictError,
  type DomainError,
  InvalidJsonError,
  InvalidSignatureError,
  NotFoundError,
  NotRevertibleError,
  RateLimitedError,
  UnavailableError,
  UnknownTriggerError,
  ValidationError,
  VersionConflictError,
} from '../domain/errors.js'
import {
  alreadyExists,
  conflict,
  type HttpProblem,
  invalidJson,
  invalidSignature,
  notFound,
  notRevertible,
  rateLimited,
  serviceUnavailable,
  unknownTrigger,
  validationFailed,
  versionConflict,
} from './problem.js'

/**
 * The problem type answering a domain error: the one place where the domain's refusals get a
 * status, a title and headers. Undefined for a kind it does not know, answered as unexpected.
 */
export function domainProblem(error: DomainError): HttpProblem | undefined {
  if (error instanceof NotFoundError) return notFound(error.resource, error.key)
  if (error instanceof UnknownTriggerError) return unknownTrigger(error.message)
  if (error instanceof AlreadyExistsError) return alreadyExists(error.resource, error.key)
  if (error instanceof ValidationError) return validationFailed(error.errors, error.message)
  if (error instanceof InvalidJsonError) return invalidJson(error.message)
  if (error instanceof ConflictError) return conflict(error.message, error.details)
  if (error instanceof VersionConflictError) return versionConflict(error.expected, error.current)
  if (error instanceof NotRevertibleError)
    return notRevertible(error.message, error.changeId, error.action)
  if (error instanceof UnavailableError) return serviceUnavailable(error.message)
  if (error instanceof InvalidSignatureError)
    return invalidSignature(error.message, error.header, error.algorithm)
  if (error instanceof RateLimitedError) return rateLimited(error.message, error.retryAfterSeconds)
  return undefined
}

/** The problem type answering an error the database raised; undefined for any other error. */
export function databaseProblem(error: unknown): HttpProblem | undefined {
  const failure = fromDatabaseError(error)
  return failure && domainProblem(failure)
}
