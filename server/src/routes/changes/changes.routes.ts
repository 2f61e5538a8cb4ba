import { Hono } from 'hono'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { listChanges } from '../../domain/changes.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, parseQuery } from '../../http/validate.js'
import { revertChange, revertWindow } from '../../domain/revert.js'
import { ListChangesQuery, RevertBody, RevertWindowBody, ChangeParams } from './changes.schemas.js'

export function changeRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  // The one call an incident commander needs: undo everything in a window, atomically.
  app.post('/revert', async (c) => {
    const { since, env, comment, dryRun } = await parseBody(c, RevertWindowBody)
    return c.json(await revertWindow(deps, changeActor(c, comment), { since, env, dryRun }))
  })

  app.post('/:id/revert', async (c) => {
    const { id } = parseParams(c, ChangeParams)
    const { comment } = await parseBody(c, RevertBody, true)
    return c.json(await revertChange(deps, changeActor(c, comment), id))
  })

  app.get('/', async (c) => {
    const q = parseQuery(c, ListChangesQuery)
    return c.json(
      await listChanges(deps.db, {
        since: q.since,
        env: q.env,
        flag: q.flag,
        limit: q.limit,
        before: q.cursor === undefined ? undefined : Number(q.cursor),
      }),
    )
  })
  return app
}
