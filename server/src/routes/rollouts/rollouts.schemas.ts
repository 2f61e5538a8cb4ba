import { z } from 'zod'
import { Comment, ResourceKey, VariationIndex } from '../../schemas/common.js'

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Parses `90s`, `30m`, `2h`, `1d`, `500ms` (or `0`) to milliseconds; null when malformed. */
function parseDuration(value: string): number | null {
  if (value === '0') return 0
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(value)
  return match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : null
}

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

export const RolloutParams = z.object({ id: z.string().min(1).max(128) })
export const RolloutQuery = z.strictObject({
  env: ResourceKey.optional(),
  flag: ResourceKey.optional(),
  state: z.enum(['active', 'paused', 'completed', 'aborted']).optional(),
})
