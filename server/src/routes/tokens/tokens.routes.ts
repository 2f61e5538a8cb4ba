import { Hono } from 'hono'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { createToken, listTokens, revokeToken } from '../../domain/tokens.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams } from '../../http/validate.js'
import { CommentBody } from '../../schemas/common.js'
import { CreateTokenBody, TokenParams } from './tokens.schemas.js'

export function tokenRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'admin'))

  app.get('/', async (c) => c.json({ items: await listTokens(deps.db) }))

  app.post('/', async (c) => {
    const { comment, ...input } = await parseBody(c, CreateTokenBody)
    return c.json(await createToken(deps, changeActor(c, comment), input), 201)
  })

  app.delete('/:id', async (c) => {
    const { id } = parseParams(c, TokenParams)
    const { comment } = await parseBody(c, CommentBody, true)
    return c.json(await revokeToken(deps, changeActor(c, comment), id))
  })

  return app
}
