import { createHash } from 'node:crypto'
import { toOpenFeature, type Context as EvalContext, type EvaluationDetail } from '@switchyard/core'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { SdkAuthenticator } from '../../domain/sdk-auth.js'
import type { AppEnv } from '../../http/env.js'
import { isHttpProblem, notFound } from '../../http/problem.js'
import { sdkKeyPrincipal } from '../../http/sdk-key.js'
import { isNotModified, parseBody, parseParams } from '../../http/validate.js'
import { ResourceKey } from '../../schemas/common.js'
import type { StreamHub } from '../../stream/hub.js'

const EvaluateBody = z.looseObject({ context: z.record(z.string(), z.unknown()).default({}) })
const FlagParams = z.object({ key: ResourceKey })

/** The same JSON for the same data whatever the key order, for hashing. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * The bulk answer depends on the flags and the context, so its ETag covers both: a client that
 * keeps its ETag across a context change (the OpenFeature web provider does) gets fresh values.
 */
function bulkEtag(dataEtag: string, context: Record<string, unknown>): string {
  const digest = createHash('sha256').update(stableJson(context)).digest('base64url').slice(0, 16)
  return `${dataEtag.slice(0, -1)}-${digest}"`
}

/**
 * A client key's bulk ETag: a digest of the answer itself. The data ETag would tell a public key
 * the environment's key and version, and so when any flag it cannot see changed.
 */
function clientBulkEtag(body: unknown): string {
  return `"c-${createHash('sha256').update(stableJson(body)).digest('base64url').slice(0, 22)}"`
}

/** OpenFeature's `targetingKey` is Switchyard's context `key`. */
function toContext(context: Record<string, unknown>): EvalContext {
  const { targetingKey, ...attributes } = context
  return (
    typeof targetingKey === 'string' ? { ...attributes, key: targetingKey } : attributes
  ) as EvalContext
}

type RequestError = { errorCode: 'PARSE_ERROR' | 'INVALID_CONTEXT'; errorDetails: string }

/**
 * The request's context, or the OFREP error for a body that is not JSON (PARSE_ERROR) or whose
 * context is not an object (INVALID_CONTEXT): OFREP clients read `errorCode`, not a problem.
 */
async function readContext(
  c: Context<AppEnv>,
): Promise<
  { context: Record<string, unknown>; error: null } | { context: null; error: RequestError }
> {
  try {
    return { context: (await parseBody(c, EvaluateBody, true)).context, error: null }
  } catch (error) {
    if (!isHttpProblem(error) || error.status !== 400) throw error
    const errorCode = error.slug === 'invalid-json' ? 'PARSE_ERROR' : 'INVALID_CONTEXT'
    return { context: null, error: { errorCode, errorDetails: error.detail ?? error.title } }
  }
}

function toResult(key: string, detail: EvaluationDetail) {
  const resolved = toOpenFeature(detail)
  if (resolved.errorCode)
    return {
      key,
      errorCode: resolved.errorCode,
      errorDetails: resolved.errorMessage ?? resolved.errorCode,
    }
  return {
    key,
    value: resolved.value,
    reason: resolved.reason,
    variant: resolved.variant,
    metadata: {},
  }
}

/**
 * The OpenFeature Remote Evaluation Protocol, evaluated by the same core evaluator on this
 * replica's snapshot (`Authorization: Bearer` or `X-API-Key`). A server SDK key sees every flag;
 * a client SDK key (public: it ships in web pages) sees clientSide flags only, and any other
 * flag answers as a missing one. Only values and reasons leave the server, never rules or
 * target lists. Browsers may call it from any origin (app.ts sets CORS for /ofrep).
 */
export function ofrepRoutes(deps: { hub: StreamHub; authenticateSdk: SdkAuthenticator }) {
  const app = new Hono<AppEnv>()

  const principal = (c: Context<AppEnv>) =>
    sdkKeyPrincipal(
      deps.authenticateSdk,
      c.req.header('authorization') ?? c.req.header('x-api-key'),
    )

  app.post('/evaluate/flags/:key', async (c) => {
    const { env, type } = await principal(c)
    const { key } = parseParams(c, FlagParams)
    const { context, error } = await readContext(c)
    if (error) return c.json({ key, ...error }, 400)
    const evaluated = await deps.hub.evaluate(env, toContext(context), key, type === 'client')
    if (!evaluated) throw notFound('environment', env)
    const result = toResult(key, evaluated.results[0]!.detail)
    if ('errorCode' in result)
      return c.json(result, result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400)
    return c.json(result)
  })

  app.post('/evaluate/flags', async (c) => {
    const { env, type } = await principal(c)
    const { context, error } = await readContext(c)
    if (error) return c.json(error, 400)
    const client = type === 'client'
    const evaluated = await deps.hub.evaluate(env, toContext(context), undefined, client)
    if (!evaluated) throw notFound('environment', env)
    const body = { flags: evaluated.results.map((r) => toResult(r.key, r.detail)) }
    const etag = client ? clientBulkEtag(body) : bulkEtag(evaluated.etag, context)
    c.header('ETag', etag)
    if (isNotModified(c, etag)) return c.body(null, 304)
    return c.json(body)
  })

  return app
}
