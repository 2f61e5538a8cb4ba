import { Hono } from 'hono'
import { z } from 'zod'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { setTagOn } from '../../domain/kill-switch.js'
import { listValves } from '../../domain/safety-valves.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams } from '../../http/validate.js'
import { Comment, ResourceKey } from '../../schemas/common.js'
import { changeActor } from '../../http/actor.js'

const EnvParams = z.object({ env: ResourceKey })
const TagBody = z.strictObject({ tag: z.string().min(1).max(64), comment: Comment.optional() })

/** Environment-wide incident controls: kill or restore by tag, and the safety valve board. */
export function envRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  for (const [path, on] of [
    ['kill', false],
    ['restore', true],
  ] as const) {
    app.post(`/:env/${path}`, async (c) => {
      const { env } = parseParams(c, EnvParams)
      const { tag, comment } = await parseBody(c, TagBody)
      return c.json(await setTagOn(deps, changeActor(c, comment), env, tag, on))
    })
  }

  app.get('/:env/valves', async (c) => {
    const { env } = parseParams(c, EnvParams)
    return c.json({ items: await listValves(deps.db, env) })
  })

  return app
}
