import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { requestId } from 'hono/request-id'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from './env.js'
import { createErrorHandler } from './on-error.js'

/** slug → status, from the table of docs/problems.md. */
const DOCUMENTED = new Map(
  readFileSync(new URL('../../../docs/problems.md', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => /^\| `([a-z-]+)` \| (\d{3}) \|/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, slug, status]) => [slug!, Number(status)]),
)

function appThrowing(error: Error) {
  const lines: string[] = []
  const log = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const app = new Hono<AppEnv>()
  app.use('*', requestId({ headerName: 'X-Request-Id' }))
  app.get('/boom', () => {
    throw error
  })
  app.onError(createErrorHandler(pino({ level: 'info' }, log), 2048))
  return { app, lines }
}

describe('createErrorHandler', () => {
  it.each([
    { status: 400, slug: 'validation-failed' },
    { status: 401, slug: 'unauthorized' },
    { status: 403, slug: 'forbidden' },
    { status: 404, slug: 'not-found' },
    { status: 413, slug: 'payload-too-large' },
    { status: 500, slug: 'internal' },
    { status: 502, slug: 'internal' },
    { status: 418, slug: 'internal' },
  ])(
    'answers an HTTPException $status from Hono as the documented $slug',
    async ({ status, slug }) => {
      const { app } = appThrowing(
        new HTTPException(status as ContentfulStatusCode, { message: 'framework says no' }),
      )
      const res = await app.request('/boom')
      const body = (await res.json()) as Record<string, unknown>
      expect(body.type).toBe(`urn:switchyard:problem:${slug}`)
      expect(DOCUMENTED.get(slug), `${slug} is in docs/problems.md`).toBe(res.status)
      expect(body.instance).toBe(res.headers.get('x-request-id'))
      if (slug === 'unauthorized') expect(res.headers.get('www-authenticate')).toBe('Bearer')
      if (slug === 'validation-failed')
        expect(body.errors).toEqual([
          { path: '', code: 'invalid_request', message: 'framework says no' },
        ])
    },
  )

  it('logs an HTTPException without a documented problem as unexpected, echoing nothing', async () => {
    const { app, lines } = appThrowing(
      new HTTPException(500, { message: 'Cannot clone request: secret-detail' }),
    )
    const res = await app.request('/boom')
    expect(await res.text()).not.toContain('secret-detail')
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; requestId?: string })
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: 'unhandled error',
        requestId: res.headers.get('x-request-id'),
      }),
    )
  })
})
