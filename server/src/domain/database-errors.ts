import { classifyDatabaseError } from '../db/errors.js'
import {
  AlreadyExistsError,
  ConflictError,
  type DomainError,
  UnavailableError,
  ValidationError,
} from './errors.js'

/**
 * What a database error means in the domain's terms, once for every caller: a taken key already
 * exists, a referenced row is in use, text or a number the database cannot store is invalid
 * input, and a database out of reach is unavailable. Undefined for any other error.
 */
export function fromDatabaseError(error: unknown): DomainError | undefined {
  const failure = classifyDatabaseError(error)
  switch (failure?.kind) {
    case 'unique-violation':
      return new AlreadyExistsError(failure.resource, failure.key)
    case 'foreign-key-violation':
      return new ConflictError('The resource is referenced by another resource', { code: 'in-use' })
    case 'invalid-text':
      return new ValidationError([
        { path: '', code: 'invalid_characters', message: 'text must not contain NUL characters' },
      ])
    case 'out-of-range':
      return new ValidationError([
        { path: '', code: 'out_of_range', message: 'a number is out of range' },
      ])
    case 'unreachable':
      return new UnavailableError('The database is unavailable')
    case undefined:
      return undefined
  }
}
