import type { ContentfulStatusCode } from 'hono/utils/http-status'

export interface ProblemFieldError {
  path: string
  code: string
  message: string
}

/** An RFC 9457 problem; thrown by handlers and domain code, rendered once by onError. */
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

export const validationFailed = (errors: ProblemFieldError[], detail?: string) =>
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
