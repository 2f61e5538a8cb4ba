import { readdirSync, readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp } from '../src/app.js'
import { createLocalBus } from '../src/db/bus.js'
import type { Database } from '../src/db/client.js'
import { createMetrics } from '../src/metrics.js'
import type { StreamHub } from '../src/stream/hub.js'
import type { EnvSnapshots } from '../src/stream/snapshots.js'
import { describeEachDb } from './db.suite.js'
import { startTestServer, type TestServer } from './helpers.js'

/** The problem table of docs/problems.md: slug, status and the extra fields it promises. */
const DOCUMENTED = readFileSync(new URL('../../docs/problems.md', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => /^\| `([a-z-]+)` \| (\d{3}) \|[^|]+\|\s*([^|]*?)\s*\|$/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map(([, slug, status, extra]) => ({
    slug: slug!,
    status: Number(status),
    fields: extraFields(extra!),
  }))

/**
 * Every slug the server's code can answer: `new HttpProblem(status, 'slug', …)` (the constructors
 * of http/problem.ts, refused stream upgrades included) and any `slug: '…'`, read from the source
 * of server/src.
 */
function slugsInCode(dir = new URL('../src/', import.meta.url)): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      found.push(...slugsInCode(new URL(`${entry.name}/`, dir)))
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      const source = readFileSync(new URL(entry.name, dir), 'utf8')
      for (const m of source.matchAll(/new HttpProblem\(\s*[^,)]+,\s*'([^']*)'/g)) found.push(m[1]!)
      for (const m of source.matchAll(/\bslug: '([^']*)'/g)) found.push(m[1]!)
    }
  }
  return found
}

/** "`errors: [...]`, one per problem" → errors; "`resource`, `key`" → resource, key. */
function extraFields(extra: string): string[] {
  const list = /^`[^`]*`(?:, `[^`]*`)*/.exec(extra)?.[0] ?? ''
  return [...list.matchAll(/`([A-Za-z]+)/g)].map((m) => m[1]!)
}

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function answer(res: Response): Promise<Answer> {
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  }
}

describeEachDb('every documented problem type', (target) => {
  let database: Database
  let server: TestServer
  let reader: string
  const logLines: string[] = []
  /** An app whose stream hub fails, for the two problems a healthy server never answers. */
  let failing: (error: Error) => ReturnType<typeof createApp>

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database, { SWITCHYARD_MAX_BODY_BYTES: '2048' })
    reader = (
      await server.api('POST', '/api/v1/tokens', { name: 'problems-reader', role: 'reader' })
    ).body.token
    await server.api('POST', '/api/v1/flags', { key: 'taken' })
    await server.api('POST', '/api/v1/flags', { key: 'needed' })
    await server.api('PATCH', '/api/v1/flags/taken/envs/production', {
      prerequisites: [{ flag: 'needed', variation: 0 }],
    })
    const log = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString())
        done()
      },
    })
    failing = (error) => {
      const snapshots = { get: () => Promise.reject(error) } as unknown as EnvSnapshots
      return createApp({
        database,
        bus: createLocalBus(() => {}),
        hub: {} as StreamHub,
        snapshots,
        authenticateSdk: () =>
          Promise.resolve({ keyId: 'key_test', env: 'production', type: 'server' }),
        logger: pino({ level: 'info' }, log),
        metrics: createMetrics(),
        maxBodyBytes: 2048,
        clock: () => new Date(),
      })
    }
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  const fetchHttp = async (
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; token?: string | null } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers }
    const token = init.token === undefined ? 'sy_tok_test-admin-token-0123456789' : init.token
    if (token) headers.authorization = `Bearer ${token}`
    return answer(await fetch(server.url + path, { method, headers, body: init.body }))
  }
  const trigger = async (name: string, extra: Record<string, unknown> = {}) =>
    (
      await server.api('POST', '/api/v1/triggers', {
        name,
        flag: 'needed',
        env: 'development',
        action: 'restore',
        ...extra,
      })
    ).body as { url: string }

  /** One request per slug that answers it; a documented slug without a case fails below. */
  const CASES: Record<string, () => Promise<Answer>> = {
    'validation-failed': () =>
      fetchHttp('POST', '/api/v1/flags', { body: JSON.stringify({ key: 'bad key' }) }),
    'invalid-json': () => fetchHttp('POST', '/api/v1/flags', { body: '{"key": ' }),
    unauthorized: () => fetchHttp('GET', '/api/v1/flags', { token: null }),
    forbidden: () =>
      fetchHttp('POST', '/api/v1/flags', {
        body: JSON.stringify({ key: 'by-reader' }),
        token: reader,
      }),
    'not-found': () => fetchHttp('GET', '/api/v1/flags/ghost'),
    'already-exists': () =>
      fetchHttp('POST', '/api/v1/flags', { body: JSON.stringify({ key: 'taken' }) }),
    conflict: () => fetchHttp('DELETE', '/api/v1/flags/needed'),
    'version-conflict': () =>
      fetchHttp('PATCH', '/api/v1/flags/taken/envs/production', {
        body: '{"on": true}',
        headers: { 'if-match': '"99"' },
      }),
    'invalid-signature': async () => {
      const { url } = await trigger('signed', { secret: 'a-shared-secret-of-some-length' })
      return answer(await fetch(url, { method: 'POST', body: '{}' }))
    },
    'rate-limited': async () => {
      const { url } = await trigger('noisy')
      // why: the burst is 30, refilled at 1/s, so on a loaded machine the 31st call may still pass
      for (let i = 0; i < 30; i++)
        await (await fetch(url, { method: 'POST', body: '{}' })).body?.cancel()
      for (let i = 0; i < 100; i++) {
        const res = await fetch(url, { method: 'POST', body: '{}' })
        if (res.status >= 300) return answer(res)
        await res.body?.cancel()
      }
      return answer(await fetch(url, { method: 'POST', body: '{}' }))
    },
    'payload-too-large': () =>
      fetchHttp('POST', '/api/v1/flags', {
        body: JSON.stringify({ key: 'big', description: 'x'.repeat(4096) }),
      }),
    'unsupported-media-type': () =>
      fetchHttp('POST', '/api/v1/flags', {
        body: '<flag/>',
        headers: { 'content-type': 'text/xml' },
      }),
    'upgrade-required': () => fetchHttp('GET', '/sdk/v1/stream', { token: null }),
    unavailable: async () => {
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
        code: 'ECONNREFUSED',
      })
      return answer(
        await failing(refused).request('/sdk/v1/flags', {
          headers: { authorization: 'Bearer sy_srv_any' },
        }),
      )
    },
    internal: async () =>
      answer(
        await failing(new Error('snapshot exploded: secret-detail')).request('/sdk/v1/flags', {
          headers: { authorization: 'Bearer sy_srv_any' },
        }),
      ),
    'not-revertible': async () => {
      const created = (
        await server.api('GET', '/api/v1/changes?flag=taken&limit=100')
      ).body.items.find((c: { action: string }) => c.action === 'flag.create')
      return fetchHttp('POST', `/api/v1/changes/${created.id}/revert`)
    },
  }

  it('reads the problem table of docs/problems.md', () => {
    expect(DOCUMENTED.length).toBeGreaterThan(10)
    expect(DOCUMENTED.map((d) => d.slug).sort()).toEqual(Object.keys(CASES).sort())
  })

  it('documents every problem type the code answers', () => {
    const inCode = new Set(slugsInCode())
    expect(inCode.size).toBeGreaterThan(10)
    const documented = new Set(DOCUMENTED.map((d) => d.slug))
    expect([...inCode].filter((slug) => !documented.has(slug))).toEqual([])
  })

  it.each(DOCUMENTED)(
    'answers $slug with status $status, its extra fields and the request id',
    async ({ slug, status, fields }) => {
      const run = CASES[slug]
      expect(run, `no case for the documented problem '${slug}'`).toBeDefined()
      const res = await run!()
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(res.body).toMatchObject({
        type: `urn:switchyard:problem:${slug}`,
        status,
        title: expect.any(String),
      })
      expect(res.body.instance).toBe(res.headers.get('x-request-id'))
      for (const field of fields) expect(res.body, `${slug} carries ${field}`).toHaveProperty(field)
    },
  )

  it('sends the headers the table promises', async () => {
    expect((await CASES.unauthorized!()).headers.get('www-authenticate')).toBe('Bearer')
    expect((await CASES.unavailable!()).headers.get('retry-after')).toBe('1')
    expect(Number((await CASES['rate-limited']!()).headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await CASES['invalid-signature']!()).headers.get('www-authenticate')).toMatch(
      /^Signature realm="switchyard-triggers", header="x-switchyard-signature"/,
    )
  })

  it.each([
    { label: 'no token', method: 'GET', path: '/api/v1/flags', token: null },
    { label: 'an unknown token', method: 'GET', path: '/api/v1/flags', token: 'sy_tok_unknown' },
    { label: 'no SDK key on polling', method: 'GET', path: '/sdk/v1/flags', token: null },
    { label: 'an unknown SDK key', method: 'GET', path: '/sdk/v1/flags', token: 'sy_srv_nope' },
    { label: 'no SDK key on OFREP', method: 'POST', path: '/ofrep/v1/evaluate/flags', token: null },
  ])('challenges $label with 401 and WWW-Authenticate: Bearer', async ({ method, path, token }) => {
    const res = await fetchHttp(method, path, { token, body: method === 'POST' ? '{}' : undefined })
    expect(res.status).toBe(401)
    expect(res.body.type).toBe('urn:switchyard:problem:unauthorized')
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('logs an unexpected error under the request id and never echoes it', async () => {
    const res = await CASES.internal!()
    expect(JSON.stringify(res.body)).not.toContain('secret-detail')
    const line = logLines
      .map((l) => JSON.parse(l) as { requestId?: string; msg: string; err?: { message: string } })
      .find((l) => l.requestId === res.body.instance && l.msg === 'unhandled error')
    expect(line?.err?.message).toContain('snapshot exploded')
  })
})
