import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { SdkAuthenticator } from '../../domain/sdk-auth.js'
import type { AppEnv } from '../../http/env.js'
import { renderProblem } from '../../http/on-error.js'
import { isHttpProblem, notFound, payloadTooLarge } from '../../http/problem.js'
import { sdkKeyPrincipal } from '../../http/sdk-key.js'
import { isNotModified, parseBody, parseParams } from '../../http/validate.js'
import type { EnvSnapshots } from '../../stream/snapshots.js'
import { contextLimitError, DEFAULT_OFREP_LIMITS, type OfrepLimits } from './context-limits.js'
import { bulkEtag, clientBulkEtag } from './etags.js'
import { evaluateFlags, toContext, toResult } from './evaluate.js'
import { EvaluateBody, FlagParams } from './ofrep.schemas.js'

type RequestError = { errorCode: 'PARSE_ERROR' | 'INVALID_CONTEXT'; errorDetails: string }

/**
 * The request's context, or the OFREP error for a body that is not JSON (PARSE_ERROR) or whose
 * context is not an object or is too large (INVALID_CONTEXT): OFREP clients read `errorCode`,
 * not a problem.
 */
async function readContext(
  c: Context<AppEnv>,
  limits: OfrepLimits,
): Promise<
  { context: Record<string, unknown>; error: null } | { context: null; error: RequestError }
> {
  let context: Record<string, unknown>
  try {
    context = (await parseBody(c, EvaluateBody, true)).context
  } catch (error) {
    if (!isHttpProblem(error) || error.status !== 400) throw error
    const errorCode = error.slug === 'invalid-json' ? 'PARSE_ERROR' : 'INVALID_CONTEXT'
    return { context: null, error: { errorCode, errorDetails: error.detail ?? error.title } }
  }
  const tooLarge = contextLimitError(context, limits.maxStringLength)
  if (tooLarge)
    return { context: null, error: { errorCode: 'INVALID_CONTEXT', errorDetails: tooLarge } }
  return { context, error: null }
}

/**
 * The OpenFeature Remote Evaluation Protocol, evaluated by the same core evaluator on this
 * replica's snapshot (`Authorization: Bearer` or `X-API-Key`). A server SDK key sees every flag;
 * a client SDK key (public: it ships in web pages) sees clientSide flags only, and any other
 * flag answers as a missing one. Only values and reasons leave the server, never rules or
 * target lists. Browsers may call it from any origin (app.ts sets CORS for /ofrep).
 */
export function ofrepRoutes(deps: {
  snapshots: EnvSnapshots
  authenticateSdk: SdkAuthenticator
  limits?: OfrepLimits
}) {
  const limits = deps.limits ?? DEFAULT_OFREP_LIMITS
  const app = new Hono<AppEnv>()
  // A public endpoint (client keys ship in web pages): far below the API's body limit.
  app.use(
    '*',
    bodyLimit({
      maxSize: limits.maxBodyBytes,
      onError: (c) => renderProblem(c as never, payloadTooLarge(limits.maxBodyBytes)),
    }),
  )

  const principal = (c: Context<AppEnv>) =>
    sdkKeyPrincipal(
      deps.authenticateSdk,
      c.req.header('authorization') ?? c.req.header('x-api-key'),
    )

  app.post('/evaluate/flags/:key', async (c) => {
    const { env, type } = await principal(c)
    const { key } = parseParams(c, FlagParams)
    const { context, error } = await readContext(c, limits)
    if (error) return c.json({ key, ...error }, 400)
    const snapshot = await deps.snapshots.get(env)
    if (!snapshot) throw notFound('environment', env)
    const [evaluated] = evaluateFlags(snapshot, toContext(context), key, type === 'client')
    const result = toResult(key, evaluated!.detail)
    if ('errorCode' in result)
      return c.json(result, result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400)
    return c.json(result)
  })

  app.post('/evaluate/flags', async (c) => {
    const { env, type } = await principal(c)
    const { context, error } = await readContext(c, limits)
    if (error) return c.json(error, 400)
    const client = type === 'client'
    const snapshot = await deps.snapshots.get(env)
    if (!snapshot) throw notFound('environment', env)
    const evaluated = evaluateFlags(snapshot, toContext(context), undefined, client)
    const body = { flags: evaluated.map((r) => toResult(r.key, r.detail)) }
    const etag = client ? clientBulkEtag(body) : bulkEtag(snapshot.etag(), context)
    c.header('ETag', etag)
    if (isNotModified(c, etag)) return c.body(null, 304)
    return c.json(body)
  })

  return app
}
