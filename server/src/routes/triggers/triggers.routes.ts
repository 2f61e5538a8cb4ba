import { Hono, type Context } from 'hono'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { fireTrigger } from '../../domain/trigger-deliveries.js'
import {
  createTrigger,
  deleteTrigger,
  listTriggers,
  rotateTrigger,
  setTriggerEnabled,
} from '../../domain/triggers.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { createRateLimiter } from '../../http/rate-limit.js'
import { parseBody, parseParams, parseQuery } from '../../http/validate.js'
import { CommentBody } from '../../schemas/common.js'
import {
  CreateTriggerBody,
  TriggerParams,
  ListTriggersQuery,
  HookParams,
} from './triggers.schemas.js'

export interface TriggerRouteOptions {
  /** Base of the secret URLs handed out; the request's origin when unset. */
  publicUrl?: string | undefined
}

function baseUrl(c: Context<AppEnv>, options: TriggerRouteOptions) {
  return (options.publicUrl ?? new URL(c.req.url).origin).replace(/\/$/, '')
}

export function triggerRoutes(deps: DomainDeps, options: TriggerRouteOptions) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  app.get('/', async (c) => {
    const query = parseQuery(c, ListTriggersQuery)
    return c.json({ items: await listTriggers(deps.db, query) })
  })

  app.post('/', async (c) => {
    const { comment, ...input } = await parseBody(c, CreateTriggerBody)
    return c.json(
      await createTrigger(deps, changeActor(c, comment), input, baseUrl(c, options)),
      201,
    )
  })

  for (const [path, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    app.post(`/:id/${path}`, async (c) => {
      const { id } = parseParams(c, TriggerParams)
      const { comment } = await parseBody(c, CommentBody, true)
      return c.json(await setTriggerEnabled(deps, changeActor(c, comment), id, enabled))
    })
  }

  app.post('/:id/rotate', async (c) => {
    const { id } = parseParams(c, TriggerParams)
    const { comment } = await parseBody(c, CommentBody, true)
    return c.json(await rotateTrigger(deps, changeActor(c, comment), id, baseUrl(c, options)))
  })

  app.delete('/:id', async (c) => {
    const { id } = parseParams(c, TriggerParams)
    const { comment } = await parseBody(c, CommentBody, true)
    await deleteTrigger(deps, changeActor(c, comment), id)
    return c.body(null, 204)
  })

  return app
}

/** What monitoring tools POST to. The token in the path is the credential. */
export function hookRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  // Per trigger: a burst of 30, then 60 a minute — far above any sane alerting rate.
  const limiter = createRateLimiter(30, 60)
  app.post('/triggers/:token', async (c) => {
    // Not refused like other parameters: any token no trigger has gets the one same 404.
    const { token } = HookParams.parse(c.req.param())
    const raw = await c.req.text()
    const result = await fireTrigger(
      deps,
      token,
      raw,
      (name) => c.req.header(name),
      (id) => limiter.take(id),
    )
    return c.json(result)
  })
  return app
}
