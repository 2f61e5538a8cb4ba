import { Hono, type Context } from 'hono'
import { cancelSchedule, createSchedule, listSchedules } from '../../domain/schedules.js'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, parseQuery } from '../../http/validate.js'
import { CommentBody } from '../../schemas/common.js'
import { CreateScheduleBody, ScheduleParams, ScheduleQuery } from './schedules.schemas.js'

export function scheduleRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  app.get('/', async (c) => {
    const query = parseQuery(c, ScheduleQuery)
    return c.json({ items: await listSchedules(deps.db, query) })
  })

  app.post('/', async (c) => {
    const { comment, ...input } = await parseBody(c, CreateScheduleBody)
    return c.json(await createSchedule(deps, changeActor(c, comment), input), 201)
  })

  const cancel = async (c: Context<AppEnv>) => {
    const { id } = parseParams(c, ScheduleParams)
    const { comment } = await parseBody(c, CommentBody, true)
    return c.json(await cancelSchedule(deps, changeActor(c, comment), id))
  }
  app.post('/:id/cancel', cancel)
  app.delete('/:id', cancel)
  return app
}
