import { Hono } from 'hono'
import type { WebhookTargetPolicy } from '../../domain/webhook-targets.js'
import type { DomainDeps } from '../../domain/write-transaction.js'
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
} from '../../domain/webhooks.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, parseQuery } from '../../http/validate.js'
import { CommentBody } from '../../schemas/common.js'
import { CreateWebhookBody, WebhookParams, DeliveriesQuery } from './webhooks.schemas.js'

/** Outbound webhooks carry every change off the server: admins only. */
export function webhookRoutes(deps: DomainDeps, targets: WebhookTargetPolicy) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'admin'))

  app.get('/', async (c) => c.json({ items: await listWebhooks(deps.db) }))

  app.post('/', async (c) => {
    const { comment, ...input } = await parseBody(c, CreateWebhookBody)
    return c.json(await createWebhook(deps, changeActor(c, comment), input, targets), 201)
  })

  app.delete('/:id', async (c) => {
    const { id } = parseParams(c, WebhookParams)
    const { comment } = await parseBody(c, CommentBody, true)
    await deleteWebhook(deps, changeActor(c, comment), id)
    return c.body(null, 204)
  })

  app.get('/:id/deliveries', async (c) => {
    const { id } = parseParams(c, WebhookParams)
    const { limit } = parseQuery(c, DeliveriesQuery)
    return c.json({ items: await listDeliveries(deps.db, id, limit) })
  })

  return app
}
