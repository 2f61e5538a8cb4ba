import { toOpenFeature, type EvaluationDetail } from '@switchyard/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadVectors } from '../../core/test/vectors.js'
import type { Database } from '../src/db/client.js'
import * as tables from '../src/db/schema/index.js'
import { describeEachDb, pgliteTarget } from './db.suite.js'
import { startTestServer, waitFor, type TestServer } from './helpers.js'

async function ofrep(
  server: TestServer,
  key: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${server.url}/ofrep/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return {
    status: res.status,
    headers: res.headers,
    body: (res.status === 304 ? null : await res.json()) as any,
  }
}

/** A config serving `matched` to contexts in DE and `otherwise` to the rest. */
function germanyRule(matched: number, otherwise: number, offVariation: number) {
  return {
    on: true,
    offVariation,
    rules: [
      {
        clauses: [{ attribute: 'country', op: 'in', values: ['DE'] }],
        serve: { variation: matched },
      },
    ],
    fallthrough: { variation: otherwise },
  }
}

describeEachDb('OFREP', (target) => {
  let database: Database
  let server: TestServer
  let key: string

  beforeAll(async () => {
    database = await target.open()
    server = await startTestServer(database)
    key = (await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' }))
      .body.key
    await server.api('POST', '/api/v1/flags', {
      key: 'banner',
      kind: 'string',
      variations: [{ value: 'bold' }, { value: 'calm' }],
    })
    await server.api('PUT', '/api/v1/flags/banner/envs/production', germanyRule(0, 1, 1))
  })

  afterAll(async () => {
    await server?.close()
    await database?.close()
  })

  it('evaluates one flag with the targeting key as the context key', async () => {
    const res = await ofrep(server, key, '/evaluate/flags/banner', {
      context: { targetingKey: 'u1', country: 'DE' },
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      key: 'banner',
      value: 'bold',
      reason: 'TARGETING_MATCH',
      variant: '0',
      metadata: {},
    })
    const other = await ofrep(server, key, '/evaluate/flags/banner', {
      context: { targetingKey: 'u1', country: 'FR' },
    })
    expect(other.body).toMatchObject({ value: 'calm', reason: 'DEFAULT' })
  })

  it('answers 404 FLAG_NOT_FOUND and 400 TARGETING_KEY_MISSING', async () => {
    const missing = await ofrep(server, key, '/evaluate/flags/nope', {
      context: { targetingKey: 'u' },
    })
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ key: 'nope', errorCode: 'FLAG_NOT_FOUND' })
    const noKey = await ofrep(server, key, '/evaluate/flags/banner', { context: { country: 'DE' } })
    expect(noKey.status).toBe(400)
    expect(noKey.body.errorCode).toBe('TARGETING_KEY_MISSING')
  })

  it.each([
    { label: 'a body that is not JSON', body: '{"context": ', errorCode: 'PARSE_ERROR' },
    {
      label: 'a context that is not an object',
      body: '{"context": "u1"}',
      errorCode: 'INVALID_CONTEXT',
    },
  ])('answers $label with the OFREP error $errorCode', async ({ body, errorCode }) => {
    for (const path of ['/evaluate/flags/banner', '/evaluate/flags']) {
      const res = await fetch(`${server.url}/ofrep/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      })
      expect(res.status, path).toBe(400)
      const answer = (await res.json()) as Record<string, unknown>
      expect(answer, path).toMatchObject({ errorCode, errorDetails: expect.any(String) })
      expect(answer.key, path).toBe(path.endsWith('banner') ? 'banner' : undefined)
    }
  })

  /** Nests `leaf` under `levels` objects: `{a1: {a2: … leaf}}`. */
  const nested = (levels: number, leaf: unknown): unknown =>
    levels === 0 ? leaf : { [`a${levels}`]: nested(levels - 1, leaf) }

  it.each([
    {
      label: 'a string attribute over 1,024 characters',
      context: { targetingKey: 'u', user: { bio: 'x'.repeat(1025) } },
      details: "attribute 'user.bio' is longer than 1024 characters",
    },
    {
      label: 'a string in an array attribute over 1,024 characters',
      context: { targetingKey: 'u', groups: ['staff', 'y'.repeat(1025)] },
      details: "attribute 'groups.1' is longer than 1024 characters",
    },
    {
      label: 'a targeting key over 1,024 characters',
      context: { targetingKey: 'k'.repeat(1025) },
      details: "attribute 'targetingKey' is longer than 1024 characters",
    },
    {
      label: 'an attribute name over 1,024 characters',
      context: { targetingKey: 'u', ['n'.repeat(1025)]: 1 },
      details: 'an attribute name of the context is longer than 1024 characters',
    },
    {
      label: 'objects nested deeper than 10 levels',
      context: { targetingKey: 'u', ...(nested(11, 'deep') as object) },
      details:
        "attribute 'a11.a10.a9.a8.a7.a6.a5.a4.a3.a2' nests objects or arrays deeper than 10 levels",
    },
    {
      label: 'more than 1,000 attributes and array elements',
      context: { targetingKey: 'u', ids: Array.from({ length: 1000 }, (_, i) => i) },
      details: 'the context holds more than 1000 attributes and array elements',
    },
  ])('answers $label with INVALID_CONTEXT naming it', async ({ context, details }) => {
    for (const path of ['/evaluate/flags/banner', '/evaluate/flags']) {
      const res = await ofrep(server, key, path, { context })
      expect(res.status, path).toBe(400)
      expect(res.body, path).toEqual({
        ...(path.endsWith('banner') ? { key: 'banner' } : {}),
        errorCode: 'INVALID_CONTEXT',
        errorDetails: details,
      })
    }
  })

  it('answers arrays nested 30,000 deep around a NUL with INVALID_CONTEXT, not a 500', async () => {
    const body = `{"context":{"a":${'['.repeat(30_000)}"\\u0000"${']'.repeat(30_000)}}}`
    const res = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' })
  })

  it('evaluates a context at the limits', async () => {
    const context = {
      targetingKey: 'k'.repeat(1024),
      country: 'DE',
      bio: 'x'.repeat(1024),
      ...(nested(10, 'leaf') as object),
      ids: Array.from({ length: 985 }, (_, i) => i),
    }
    const res = await ofrep(server, key, '/evaluate/flags/banner', { context })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.value).toBe('bold')
  })

  it('answers a body over 64 KiB with 413, readable by browsers', async () => {
    const res = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: {
        origin: 'https://shop.example',
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ context: { targetingKey: 'u', pad: 'x'.repeat(64 * 1024) } }),
    })
    expect(res.status).toBe(413)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(((await res.json()) as { type: string }).type).toBe(
      'urn:switchyard:problem:payload-too-large',
    )
  })

  it('takes its limits from SWITCHYARD_OFREP_MAX_STRING and SWITCHYARD_OFREP_MAX_BODY_BYTES', async () => {
    const strict = await startTestServer(database, {
      SWITCHYARD_OFREP_MAX_STRING: '16',
      SWITCHYARD_OFREP_MAX_BODY_BYTES: '2048',
      SWITCHYARD_SCHEDULER_INTERVAL_MS: '0',
    })
    try {
      const long = await ofrep(strict, key, '/evaluate/flags/banner', {
        context: { targetingKey: 'u', email: 'someone@example.com' },
      })
      expect(long.body).toMatchObject({
        errorCode: 'INVALID_CONTEXT',
        errorDetails: "attribute 'email' is longer than 16 characters",
      })
      const large = await ofrep(strict, key, '/evaluate/flags', {
        context: { targetingKey: 'u', a: Array.from({ length: 600 }, () => 'abc') },
      })
      expect(large.status).toBe(413)
    } finally {
      await strict.close()
    }
  })

  it('evaluates every flag in bulk with an ETag, and answers 304 when nothing changed', async () => {
    const res = await ofrep(server, key, '/evaluate/flags', {
      context: { targetingKey: 'u1', country: 'DE' },
    })
    expect(res.status).toBe(200)
    expect(res.body.flags).toEqual([
      { key: 'banner', value: 'bold', reason: 'TARGETING_MATCH', variant: '0', metadata: {} },
    ])
    const again = await ofrep(
      server,
      key,
      '/evaluate/flags',
      { context: { country: 'DE', targetingKey: 'u1' } },
      { 'if-none-match': res.headers.get('etag')! },
    )
    expect(again.status).toBe(304)
  })

  it('answers 304 to a weak tag and to a list holding the tag', async () => {
    const body = { context: { targetingKey: 'u2' } }
    const etag = (await ofrep(server, key, '/evaluate/flags', body)).headers.get('etag')!
    expect(
      (await ofrep(server, key, '/evaluate/flags', body, { 'if-none-match': `W/${etag}` })).status,
    ).toBe(304)
    expect(
      (await ofrep(server, key, '/evaluate/flags', body, { 'if-none-match': `"stale", ${etag}` }))
        .status,
    ).toBe(304)
  })

  it('answers a changed context with the new values, not 304, even with the old ETag', async () => {
    // The OpenFeature web provider keeps its ETag when only attributes other than the targeting key change.
    const first = await ofrep(server, key, '/evaluate/flags', {
      context: { targetingKey: 'u1', country: 'DE' },
    })
    const moved = await ofrep(
      server,
      key,
      '/evaluate/flags',
      { context: { targetingKey: 'u1', country: 'FR' } },
      { 'if-none-match': first.headers.get('etag')! },
    )
    expect(moved.status).toBe(200)
    expect(moved.body.flags).toEqual([
      { key: 'banner', value: 'calm', reason: 'DEFAULT', variant: '1', metadata: {} },
    ])
    expect(moved.headers.get('etag')).not.toBe(first.headers.get('etag'))
  })

  it('shows a client key clientSide flags only, and other flags as missing', async () => {
    const client = (
      await server.api('POST', '/api/v1/environments/production/keys', { type: 'client' })
    ).body.key
    await server.api('POST', '/api/v1/flags', {
      key: 'web-theme',
      kind: 'string',
      clientSide: true,
      variations: [{ value: 'light' }, { value: 'dark' }],
    })
    await server.api('PUT', '/api/v1/flags/web-theme/envs/production', germanyRule(1, 0, 0))
    const context = { context: { targetingKey: 'u1', country: 'DE' } }

    const bulk = await ofrep(server, client, '/evaluate/flags', context)
    expect(bulk.status).toBe(200)
    expect(bulk.body.flags).toEqual([
      { key: 'web-theme', value: 'dark', reason: 'TARGETING_MATCH', variant: '1', metadata: {} },
    ])
    const one = await ofrep(server, client, '/evaluate/flags/web-theme', context)
    expect(one.body).toMatchObject({ key: 'web-theme', value: 'dark' })
    // the server-side flag exists, but a client key cannot tell it from a missing one
    const hidden = await ofrep(server, client, '/evaluate/flags/banner', context)
    const missing = await ofrep(server, client, '/evaluate/flags/nope', context)
    expect(hidden.status).toBe(404)
    expect(hidden.body).toEqual({ ...missing.body, key: 'banner' })
    // a server key still sees both, and the two bulk answers never share an ETag
    const all = await ofrep(server, key, '/evaluate/flags', context)
    expect(all.body.flags.map((f: { key: string }) => f.key)).toEqual(['banner', 'web-theme'])
    expect(all.headers.get('etag')).not.toBe(bulk.headers.get('etag'))
    const reused = await ofrep(server, key, '/evaluate/flags', context, {
      'if-none-match': bulk.headers.get('etag')!,
    })
    expect(reused.status).toBe(200)
    // the client's ETag says nothing of the environment, nor of changes to flags it cannot see
    expect(bulk.headers.get('etag')).not.toContain('production')
    const hiddenChange = await server.api('PUT', '/api/v1/flags/banner/envs/production', {
      on: false,
      offVariation: 1,
      fallthrough: { variation: 1 },
    })
    expect(hiddenChange.status).toBe(200)
    // on Postgres the change reaches this replica's snapshot through LISTEN/NOTIFY: wait for it
    await waitFor(async () => {
      const seen = await ofrep(server, key, '/evaluate/flags/banner', context)
      return seen.body.reason === 'DISABLED'
    }, 5_000)
    const unchanged = await ofrep(server, client, '/evaluate/flags', context, {
      'if-none-match': bulk.headers.get('etag')!,
    })
    expect(unchanged.status).toBe(304)
    // and a flag that stops being clientSide is gone for the client at once
    expect(
      (await server.api('PATCH', '/api/v1/flags/web-theme', { clientSide: false })).status,
    ).toBe(200)
    let after = await ofrep(server, client, '/evaluate/flags', context)
    await waitFor(async () => {
      after = await ofrep(server, client, '/evaluate/flags', context, {
        'if-none-match': bulk.headers.get('etag')!,
      })
      return after.status === 200
    }, 5_000)
    expect(after.body.flags).toEqual([])
    expect((await ofrep(server, client, '/evaluate/flags/web-theme', context)).status).toBe(404)

    await server.api('DELETE', '/api/v1/flags/web-theme')
    await server.api('PUT', '/api/v1/flags/banner/envs/production', germanyRule(0, 1, 1))
  })

  it('answers browsers from any origin (CORS), errors included', async () => {
    const preflight = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    // a preflight that names no headers still learns every header OFREP takes
    const bare = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    })
    expect(bare.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual([
      'authorization',
      'x-api-key',
      'content-type',
      'if-none-match',
    ])
    const tooLarge = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: {
        origin: 'https://shop.example',
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ context: { pad: 'x'.repeat(9 * 1024 * 1024) } }),
    })
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.headers.get('access-control-allow-origin')).toBe('*')
    const ok = await ofrep(server, key, '/evaluate/flags', {}, { origin: 'https://shop.example' })
    expect(ok.headers.get('access-control-allow-origin')).toBe('*')
    expect(ok.headers.get('access-control-expose-headers')).toContain('ETag')
    const refused = await ofrep(
      server,
      'sy_sdk_nope',
      '/evaluate/flags',
      {},
      {
        origin: 'https://shop.example',
      },
    )
    expect(refused.status).toBe(401)
    expect(refused.headers.get('access-control-allow-origin')).toBe('*')
    // the admin API is not opened to other origins
    const api = await fetch(`${server.url}/api/v1/flags`, {
      headers: { origin: 'https://x.example' },
    })
    expect(api.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('takes SDK keys only, by either header', async () => {
    expect(
      (await ofrep(server, 'sy_tok_test-admin-token-0123456789', '/evaluate/flags', {})).status,
    ).toBe(401)
    const viaHeader = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(viaHeader.status).toBe(200)
  })
})

/**
 * The shared test vectors, evaluated by the server through OFREP: the flags go straight into the
 * database (as a fixture, bypassing write validation so malformed ones get in too) and each case
 * is asked over HTTP. WRONG_TYPE and CLIENT_NOT_READY cases need a caller's fallback or an
 * unready client, which OFREP has not, so they are left out.
 */
describe('shared test vectors through OFREP [pglite]', () => {
  for (const file of loadVectors()) {
    describe(file.file, () => {
      let database: Database
      let server: TestServer
      let key: string
      const stored = new Set<string>()

      beforeAll(async () => {
        database = await pgliteTarget.open()
        await database.db.insert(tables.environments).values([
          { key: 'production', name: 'Production' },
          { key: 'development', name: 'Development' },
        ])
        for (const flag of file.flags) {
          try {
            await database.db.transaction(async (tx) => {
              await tx.insert(tables.flags).values({
                key: flag.key,
                name: flag.key,
                kind: flag.kind,
                variations: flag.variations.map((value) => ({ value })),
                clientSide: flag.clientSide,
              })
              const {
                key: _key,
                kind: _kind,
                variations: _variations,
                clientSide: _cs,
                version,
                ...config
              } = flag
              for (const env of ['production', 'development']) {
                await tx
                  .insert(tables.flagConfigs)
                  .values({ flagKey: flag.key, envKey: env, config, version })
              }
            })
            stored.add(flag.key)
          } catch {
            // A flag too malformed for the database's own constraints: its cases are left out.
          }
        }
        for (const segment of file.segments ?? []) {
          const { version, ...definition } = segment
          await database.db
            .insert(tables.segments)
            .values({ envKey: 'production', key: segment.key, definition, version })
        }
        server = await startTestServer(database)
        key = (await server.api('POST', '/api/v1/environments/production/keys', { type: 'server' }))
          .body.key
      })

      afterAll(async () => {
        await server?.close()
        await database?.close()
      })

      it('agrees with every case OFREP can express', async () => {
        let checked = 0
        for (const c of file.cases) {
          const reason = c.expected.reason
          if (
            reason.kind === 'ERROR' &&
            (reason.errorKind === 'WRONG_TYPE' || reason.errorKind === 'CLIENT_NOT_READY')
          )
            continue
          if (
            !stored.has(c.flag) &&
            !(reason.kind === 'ERROR' && reason.errorKind === 'FLAG_NOT_FOUND')
          )
            continue
          const raw =
            c.context && typeof c.context === 'object' && !Array.isArray(c.context)
              ? (c.context as Record<string, unknown>)
              : {}
          const { key: contextKey, ...rest } = raw
          const context =
            typeof contextKey === 'string' ? { ...rest, targetingKey: contextKey } : raw
          const res = await ofrep(server, key, `/evaluate/flags/${encodeURIComponent(c.flag)}`, {
            context,
          })
          const expected = toOpenFeature(c.expected as EvaluationDetail)
          const label = `${file.file}: ${c.description}`
          if (expected.errorCode) {
            expect(res.body.errorCode, label).toBe(expected.errorCode)
            expect(res.status, label).toBe(expected.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400)
          } else {
            expect(res.status, label).toBe(200)
            expect(res.body, label).toEqual({
              key: c.flag,
              value: c.expected.value,
              reason: expected.reason,
              variant: expected.variant,
              metadata: {},
            })
          }
          checked++
        }
        expect(checked).toBeGreaterThan(0)
      })
    })
  }
})
