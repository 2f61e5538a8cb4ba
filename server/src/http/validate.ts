import type { Context } from 'hono'
import type { z } from 'zod'
import type { FieldError } from '../domain/errors.js'
import { invalidJson, unsupportedMediaType, validationFailed } from './problem.js'

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    let path = issue.path.map(String).join('.')
    // Unknown keys are reported on the object; name the offending field itself.
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? []
      return {
        path: [path, keys[0]].filter(Boolean).join('.'),
        code: issue.code,
        message: `unknown field(s): ${keys.join(', ')}`,
      }
    }
    if (path === '' && issue.code === 'invalid_type') path = ''
    return { path, code: issue.code, message: issue.message }
  })
}

/** Parses and validates a JSON body; an empty body counts as `{}` when `allowEmpty`. */
export async function parseBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  allowEmpty = false,
): Promise<z.infer<S>> {
  const text = await c.req.text()
  let value: unknown = {}
  if (text.trim() === '') {
    if (!allowEmpty)
      throw validationFailed([{ path: '', code: 'required', message: 'a JSON body is required' }])
  } else {
    const type = c.req.header('content-type') ?? ''
    // curl -d sends form-urlencoded by default; a JSON body is accepted under it too.
    if (type && !/^application\/(([a-z.+-]*\+)?json|x-www-form-urlencoded)\b/i.test(type)) {
      throw unsupportedMediaType()
    }
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw invalidJson((error as Error).message)
    }
    // Postgres text cannot hold NUL: refuse it up front, naming where it is.
    const nul = text.includes('\\u0000') ? findNul(value) : null
    if (nul !== null) {
      throw validationFailed([
        { path: nul, code: 'invalid_characters', message: 'text must not contain NUL characters' },
      ])
    }
  }
  const result = schema.safeParse(value)
  if (!result.success) throw validationFailed(toFieldErrors(result.error))
  return result.data
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const query = c.req.query()
  refuseNul(query)
  const result = schema.safeParse(query)
  if (!result.success) throw validationFailed(toFieldErrors(result.error))
  return result.data
}

export function parseParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const params = c.req.param()
  refuseNul(params)
  const result = schema.safeParse(params)
  if (!result.success) throw validationFailed(toFieldErrors(result.error))
  return result.data
}

/** Query and path values reach the database too: a NUL (`%00`) is refused, naming its field. */
function refuseNul(values: Record<string, string>) {
  const errors = Object.entries(values)
    .filter(([name, value]) => value.includes('\u0000') || name.includes('\u0000'))
    .map(([name]) => ({
      path: name.replaceAll('\u0000', ''),
      code: 'invalid_characters',
      message: 'text must not contain NUL characters',
    }))
  if (errors.length > 0) throw validationFailed(errors)
}

/** Reads `If-Match: "3"` / `3` / `W/"3"`; undefined when absent, 400 when not a version. */
export function readIfMatch(c: Context): number | undefined {
  const header = c.req.header('if-match')
  if (header === undefined || header.trim() === '*') return undefined
  const match = /^(?:W\/)?"?(\d{1,12})"?$/.exec(header.trim())
  if (!match)
    throw validationFailed([
      { path: 'If-Match', code: 'invalid_format', message: 'must be a config version such as "3"' },
    ])
  return Number(match[1])
}

/**
 * Whether `If-None-Match` names `etag`: `*`, or any tag of its list by weak comparison (RFC 9110
 * 13.1.2), so a proxy that weakened the tag (nginx gzip does) still gets its 304.
 */
export function isNotModified(c: Context, etag: string): boolean {
  const header = c.req.header('if-none-match')?.trim()
  if (!header) return false
  if (header === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => opaque(tag) === opaque(etag))
}

interface Visit {
  value: unknown
  key: string
  parent: Visit | null
}

function pathOf(visit: Visit): string {
  const keys: string[] = []
  for (let at: Visit | null = visit; at?.parent; at = at.parent) keys.push(at.key)
  return keys.reverse().join('.')
}

/**
 * The path of the first string (or key) holding a NUL character; null when there is none.
 * Depth-first without recursion: a body of nested arrays tens of thousands deep would overflow
 * the stack.
 */
function findNul(value: unknown): string | null {
  const stack: Visit[] = [{ value, key: '', parent: null }]
  while (stack.length > 0) {
    const visit = stack.pop()!
    if (visit.key.includes('\u0000')) return pathOf(visit)
    if (typeof visit.value === 'string') {
      if (visit.value.includes('\u0000')) return pathOf(visit)
    } else if (visit.value && typeof visit.value === 'object') {
      const entries = Object.entries(visit.value)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!
        stack.push({ value: child, key, parent: visit })
      }
    }
  }
  return null
}
