import { Hono } from 'hono'
import { z } from 'zod'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { listChanges } from '../../domain/changes.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, parseQuery } from '../../http/validate.js'
import { Comment, PageQuery, ResourceKey } from '../../schemas/common.js'
import { requireEnvironmentField, requireEnvironmentFilter } from '../../domain/environments.js'
import { revertChange, revertWindow } from '../../domain/revert.js'

const UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `since` is a duration back from now (`90s`, `30m`, `1h`, `7d`) or an ISO 8601 time. */
export const Since = z.string().transform((raw, ctx) => {
  // An unencoded `+02:00` in a query string arrives as ` 02:00`; nothing else puts a space there.
  const value = raw.replace(/^(\d{4}-\d{2}-\d{2}T\S+) (\d{2}(?::?\d{2})?)$/, '$1+$2')
  const duration = /^(\d{1,9})([smhd])$/.exec(value)
  const time = duration
    ? Date.now() - Number(duration[1]) * UNITS[duration[2] as keyof typeof UNITS]
    : Date.parse(value)
  // new Date() of a time before -271821 is Invalid Date: refuse it rather than fail later.
  if (
    (duration || /^\d{4}-\d{2}-\d{2}/.test(value)) &&
    Number.isFinite(time) &&
    !Number.isNaN(new Date(time).getTime())
  ) {
    return new Date(time)
  }
  ctx.addIssue({
    code: 'custom',
    message: 'must be a duration such as 30m, 1h, 7d or an ISO 8601 time',
  })
  return z.NEVER
})

export const ListChangesQuery = z.strictObject({
  since: Since.optional(),
  env: ResourceKey.optional(),
  flag: ResourceKey.optional(),
  limit: PageQuery.limit,
  cursor: z
    .string()
    .regex(/^\d{1,10}$/, 'must be a nextCursor from a previous page')
    .refine((v) => Number(v) <= 2_147_483_647, 'must be a nextCursor from a previous page')
    .optional(),
})

export const RevertBody = z.strictObject({ comment: Comment.optional() })

export const RevertWindowBody = z.strictObject({
  since: Since,
  env: ResourceKey,
  comment: Comment.optional(),
  dryRun: z.boolean().default(false),
})

const ChangeParams = z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) })

export function changeRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  // The one call an incident commander needs: undo everything in a window, atomically.
  app.post('/revert', async (c) => {
    const { since, env, comment, dryRun } = await parseBody(c, RevertWindowBody)
    await requireEnvironmentField(deps.db, env)
    return c.json(await revertWindow(deps, changeActor(c, comment), { since, env, dryRun }))
  })

  app.post('/:id/revert', async (c) => {
    const { id } = parseParams(c, ChangeParams)
    const { comment } = await parseBody(c, RevertBody, true)
    return c.json(await revertChange(deps, changeActor(c, comment), id))
  })

  app.get('/', async (c) => {
    const q = parseQuery(c, ListChangesQuery)
    await requireEnvironmentFilter(deps.db, q.env)
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
