import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { isDomainError } from '../domain/errors.js'
import type { Logger } from '../logger.js'
import type { AppEnv } from './env.js'
import {
  forbidden,
  type HttpProblem,
  internalError,
  isHttpProblem,
  notFound,
  payloadTooLarge,
  unauthorized,
  validationFailed,
} from './problem.js'
import { databaseProblem, domainProblem } from './to-problem.js'

export function renderProblem(c: Context<AppEnv>, problem: HttpProblem): Response {
  const body = {
    type: `urn:switchyard:problem:${problem.slug}`,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    instance: c.get('requestId') ?? undefined,
    ...problem.extensions,
  }
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value)
  return c.body(JSON.stringify(body), problem.status, {
    'Content-Type': 'application/problem+json',
  })
}

/**
 * An error Hono itself raised, as the documented problem of its status (docs/problems.md);
 * undefined for any other status, which is answered as an unexpected error.
 */
function fromHttpException(
  error: HTTPException,
  c: Context<AppEnv>,
  maxBodyBytes: number,
): HttpProblem | undefined {
  const message = error.message || 'Bad request'
  switch (error.status) {
    case 400:
      return validationFailed([{ path: '', code: 'invalid_request', message }])
    case 401:
      return unauthorized()
    case 403:
      return forbidden(message)
    case 404:
      return notFound('route', `${c.req.method} ${c.req.path}`)
    case 413:
      return payloadTooLarge(maxBodyBytes)
    default:
      return undefined
  }
}

/**
 * The single error renderer: problems and domain errors as RFC 9457, unknown errors logged and
 * answered 500.
 */
export function createErrorHandler(logger: Logger, maxBodyBytes: number) {
  return (error: Error, c: Context<AppEnv>): Response => {
    if (isHttpProblem(error)) return renderProblem(c, error)
    const refused = isDomainError(error) ? domainProblem(error) : undefined
    if (refused) return renderProblem(c, refused)
    const mapped = databaseProblem(error)
    if (mapped) {
      if (mapped.status >= 500)
        logger.warn({ err: error, requestId: c.get('requestId') }, 'database unavailable')
      return renderProblem(c, mapped)
    }
    if (error instanceof HTTPException) {
      const problem = fromHttpException(error, c, maxBodyBytes)
      if (problem) return renderProblem(c, problem)
    }
    logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error')
    return renderProblem(c, internalError())
  }
}
