import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { requireEnvironmentFilter } from '../../domain/environments.js'
import { parseDuration } from '../../domain/durations.js'
import {
  abortRollout,
  createRollout,
  getRollout,
  listRollouts,
  pauseRollout,
  resumeRollout,
} from '../../domain/rollouts.js'
import { cancelSchedule, createSchedule, listSchedules } from '../../domain/schedules.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, parseQuery } from '../../http/validate.js'
import type { Clock } from '../../jobs/scheduler.js'
import {
  Comment,
  CommentBody,
  ConfigPatchFields,
  ResourceKey,
  VariationIndex,
} from '../../schemas/common.js'

/** The longest wait of one stage; with at most 100 stages, every stage's time stays a valid date. */
const MAX_STAGE_MS = 365 * 86_400_000

const Duration = z.string().transform((value, ctx) => {
  const ms = parseDuration(value)
  if (ms === null || ms > MAX_STAGE_MS) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a duration such as 0, 90s, 30m, 2h or 1d, at most 365d',
    })
    return z.NEVER
  }
  return ms
})

export const CreateRolloutBody = z.strictObject({
  flag: ResourceKey,
  env: ResourceKey,
  variation: VariationIndex,
  stages: z
    .array(
      z.strictObject({
        percent: z.number().min(0).max(100).multipleOf(0.001),
        after: Duration.default(0),
      }),
    )
    .min(1)
    .max(100),
  /** Roll back and pause when one of these triggers fires (or any trigger on the flag). */
  guard: z
    .union([
      z.strictObject({ triggers: z.array(z.string().min(1).max(128)).min(1).max(50) }),
      z.strictObject({ anyTrigger: z.literal(true) }),
    ])
    .optional(),
  comment: Comment.optional(),
})

export const CreateScheduleBody = z.strictObject({
  flag: ResourceKey,
  env: ResourceKey,
  at: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
  patch: z
    .strictObject(ConfigPatchFields)
    .refine((p) => Object.keys(p).length > 0, { message: 'the patch changes nothing' }),
  comment: Comment.optional(),
})

const IdParams = z.object({ id: z.string().min(1).max(128) })
const RolloutQuery = z.strictObject({
  env: ResourceKey.optional(),
  flag: ResourceKey.optional(),
  state: z.enum(['active', 'paused', 'completed', 'aborted']).optional(),
})
const ScheduleQuery = z.strictObject({
  env: ResourceKey.optional(),
  state: z.enum(['pending', 'done', 'cancelled', 'failed']).optional(),
})

export function rolloutRoutes(deps: DomainDeps, clock: Clock) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  app.get('/', async (c) => {
    const query = parseQuery(c, RolloutQuery)
    await requireEnvironmentFilter(deps.db, query.env)
    return c.json({ items: await listRollouts(deps.db, query) })
  })
  app.get('/:id', async (c) => c.json(await getRollout(deps.db, parseParams(c, IdParams).id)))

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
      const { id } = parseParams(c, IdParams)
      const { comment } = await parseBody(c, CommentBody, true)
      return c.json(await action(deps, changeActor(c, comment), id, clock()))
    })
  }
  return app
}

export function scheduleRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  app.get('/', async (c) => {
    const query = parseQuery(c, ScheduleQuery)
    await requireEnvironmentFilter(deps.db, query.env)
    return c.json({ items: await listSchedules(deps.db, query) })
  })

  app.post('/', async (c) => {
    const { comment, ...input } = await parseBody(c, CreateScheduleBody)
    return c.json(await createSchedule(deps, changeActor(c, comment), input), 201)
  })

  const cancel = async (c: Context<AppEnv>) => {
    const { id } = parseParams(c, IdParams)
    const { comment } = await parseBody(c, CommentBody, true)
    return c.json(await cancelSchedule(deps, changeActor(c, comment), id))
  }
  app.post('/:id/cancel', cancel)
  app.delete('/:id', cancel)
  return app
}
