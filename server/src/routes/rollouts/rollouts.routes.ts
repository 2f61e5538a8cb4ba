import { Hono } from 'hono'
import type { Clock } from '../../domain/clock.js'
import {
  abortRollout,
  createRollout,
  getRollout,
  listRollouts,
  pauseRollout,
  resumeRollout,
} from '../../domain/rollouts.js'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, parseQuery } from '../../http/validate.js'
import { CommentBody } from '../../schemas/common.js'
import { CreateRolloutBody, RolloutParams, RolloutQuery } from './rollouts.schemas.js'

export function rolloutRoutes(deps: DomainDeps, clock: Clock) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  app.get('/', async (c) => {
    const query = parseQuery(c, RolloutQuery)
    return c.json({ items: await listRollouts(deps.db, query) })
  })
  app.get('/:id', async (c) => c.json(await getRollout(deps.db, parseParams(c, RolloutParams).id)))

  app.post('/', async (c) => {
    const { comment, stages, guard, ...input } = await parseBody(c, CreateRolloutBody)
    const rollout = await createRollout(
      deps,
      changeActor(c, comment),
      {
        ...input,
        comment,
        guard: guard ?? null,
        stages: stages.map((s) => ({ percent: s.percent, afterMs: s.after })),
      },
      clock(),
    )
    return c.json(rollout, 201)
  })

  const actions = { pause: pauseRollout, resume: resumeRollout, abort: abortRollout } as const
  for (const [path, action] of Object.entries(actions)) {
    app.post(`/:id/${path}`, async (c) => {
      const { id } = parseParams(c, RolloutParams)
      const { comment } = await parseBody(c, CommentBody, true)
      return c.json(await action(deps, changeActor(c, comment), id, clock()))
    })
  }
  return app
}
