import { z } from 'zod'
import { Comment, PageQuery, ResourceKey } from '../../schemas/common.js'

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

export const ChangeParams = z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) })
