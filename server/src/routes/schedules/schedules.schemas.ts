import { z } from 'zod'
import { Comment, ConfigPatchFields, ResourceKey } from '../../schemas/common.js'

export const CreateScheduleBody = z.strictObject({
  flag: ResourceKey,
  env: ResourceKey,
  at: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
  patch: z
    .strictObject(ConfigPatchFields)
    .refine((p) => Object.keys(p).length > 0, { message: 'the patch changes nothing' }),
  comment: Comment.optional(),
})

export const ScheduleParams = z.object({ id: z.string().min(1).max(128) })
export const ScheduleQuery = z.strictObject({
  env: ResourceKey.optional(),
  state: z.enum(['pending', 'done', 'cancelled', 'failed']).optional(),
})
