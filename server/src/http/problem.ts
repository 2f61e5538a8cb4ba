import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { FieldError } from '../domain/errors.js'

/**
 * An RFC 9457 problem, thrown by the HTTP edge (middleware, request parsing, routes) and rendered
 * once by onError. Every problem type the server answers is built by a constructor of this file.
 */
export class HttpProblem extends Error {
  readonly status: ContentfulStatusCode
  readonly slug: string
  readonly title: string
  readonly detail: string | undefined
  readonly extensions: Record<string, unknown>
  readonly headers: Record<string, string>

  constructor(
    status: ContentfulStatusCode,
    slug: string,
    title: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? title)
    this.name = 'HttpProblem'
    this.status = status
    this.slug = slug
    this.title = title
    this.detail = detail
    this.extensions = extensions
    this.headers = headers
  }
}

export function isHttpProblem(error: unknown): error is HttpProblem {
  return error instanceof HttpProblem
}

export const validationFailed = (errors: FieldError[], detail?: string) =>
  new HttpProblem(
    400,
    'validation-failed',
    'Validation failed',
    detail ?? errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '),
    { errors },
  )

export const invalidJson = (message: string) =>
  new HttpProblem(400, 'invalid-json', 'Request body is not valid JSON', message, {
    errors: [{ path: '', code: 'invalid_json', message }],
  })

export const unauthorized = (detail = 'A valid bearer token is required') =>
  new HttpProblem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer' })

export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail)

export const notFound = (what: string, key?: string) =>
  new HttpProblem(
    404,
    'not-found',
    'Not found',
    key === undefined ? `${what} not found` : `${what} '${key}' not found`,
    { resource: what, ...(key === undefined ? {} : { key }) },
  )

export const alreadyExists = (what: string, key?: string) =>
  new HttpProblem(
    409,
    'already-exists',
    'Already exists',
    key === undefined ? `${what} already exists` : `${what} '${key}' already exists`,
    { resource: what, ...(key === undefined ? {} : { key }) },
  )

export const conflict = (detail: string, extensions: Record<string, unknown> = {}) =>
  new HttpProblem(409, 'conflict', 'Conflict', detail, extensions)

export const versionConflict = (expected: number, current: number) =>
  new HttpProblem(
    412,
    'version-conflict',
    'Version conflict',
    `If-Match version ${expected} does not match the current version ${current}`,
    { currentVersion: current },
  )

export const payloadTooLarge = (limit: number) =>
  // The unread rest of the body makes the connection unusable: tell the client to drop it.
  new HttpProblem(
    413,
    'payload-too-large',
    'Payload too large',
    `Request bodies are limited to ${limit} bytes`,
    {},
    { Connection: 'close' },
  )

export const unsupportedMediaType = () =>
  new HttpProblem(
    415,
    'unsupported-media-type',
    'Unsupported media type',
    'Request bodies must be application/json',
  )

export const serviceUnavailable = (detail: string) =>
  new HttpProblem(503, 'unavailable', 'Service unavailable', detail, {}, { 'Retry-After': '1' })

export const notRevertible = (detail: string, changeId: number, action: string) =>
  new HttpProblem(422, 'not-revertible', 'Change cannot be reverted', detail, { changeId, action })

export const upgradeRequired = () =>
  new HttpProblem(
    426,
    'upgrade-required',
    'Upgrade required',
    'Connect with a WebSocket client',
    {},
    { Upgrade: 'websocket' },
  )

/** Unknown and disabled trigger URLs get the same answer, naming nothing. */
export const unknownTrigger = (detail: string) =>
  new HttpProblem(404, 'not-found', 'Not found', detail)

/** RFC 9110 §11.6.1: every 401 carries a challenge; no registered scheme fits a signature. */
export const invalidSignature = (detail: string, header: string, algorithm: string) =>
  new HttpProblem(
    401,
    'invalid-signature',
    'Invalid signature',
    detail,
    {},
    {
      'WWW-Authenticate': `Signature realm="switchyard-triggers", header="${header}", algorithm="${algorithm}"`,
    },
  )

// why: 503, not 429: Alertmanager and most alerting tools retry 5xx but drop 4xx, and a delivery
// that was rate-limited must still arrive once the bucket refills
export const rateLimited = (detail: string, retryAfterSeconds: number) =>
  new HttpProblem(
    503,
    'rate-limited',
    'Too many requests',
    detail,
    {},
    { 'Retry-After': String(retryAfterSeconds) },
  )

export const internalError = () =>
  new HttpProblem(
    500,
    'internal',
    'Internal server error',
    'An unexpected error occurred; see the server log for this request id',
  )
