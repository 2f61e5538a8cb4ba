import { BUCKET_SCALE, OPERATORS } from '@switchyard/core'
import { z } from 'zod'

export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

export const ResourceKey = z
  .string()
  .regex(KEY_PATTERN, 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$')
export type ResourceKey = z.infer<typeof ResourceKey>

export const Comment = z.string().max(2000)

/** The body of a write that takes nothing but a reason (disable, cancel, every DELETE); optional. */
export const CommentBody = z.strictObject({ comment: Comment.optional() })

export const JsonValue = z.json()

export const VariationIndex = z.int().min(0).max(1000)

export const Clause = z.strictObject({
  attribute: z.string().min(1).max(256),
  op: z.enum(OPERATORS),
  values: z.array(JsonValue).max(100_000),
  negate: z.boolean().default(false),
})

export const Rollout = z.strictObject({
  bucketBy: z.string().min(1).max(256).optional(),
  weights: z
    .array(z.int().min(0).max(BUCKET_SCALE))
    .min(1)
    .refine((w) => w.reduce((a, b) => a + b, 0) === BUCKET_SCALE, {
      message: `weights must sum to ${BUCKET_SCALE}`,
    }),
})

export const Serve = z.union([
  z.strictObject({ variation: VariationIndex }),
  z.strictObject({ rollout: Rollout }),
])

export const Rule = z.strictObject({
  id: z.string().min(1).max(128).optional(),
  description: z.string().max(1000).optional(),
  clauses: z.array(Clause).max(100),
  serve: Serve,
  kill: z.boolean().optional(),
})

export const Target = z.strictObject({
  variation: VariationIndex,
  values: z.array(z.string().min(1).max(1024)).max(100_000),
})

export const Prerequisite = z.strictObject({
  flag: ResourceKey,
  variation: VariationIndex,
})

/** Fields of a per-environment flag config that API callers may write. */
export const FlagEnvConfigFields = {
  on: z.boolean(),
  offVariation: VariationIndex,
  targets: z.array(Target).max(1000),
  rules: z.array(Rule).max(1000),
  fallthrough: Serve,
  prerequisites: z.array(Prerequisite).max(100),
}

/** Pagination cursor and page size (query strings only). */
export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(512).optional(),
}

/** The top-level config fields a PATCH (or a scheduled change) may set. */
export const ConfigPatchFields = {
  on: FlagEnvConfigFields.on.optional(),
  offVariation: FlagEnvConfigFields.offVariation.optional(),
  targets: FlagEnvConfigFields.targets.optional(),
  rules: FlagEnvConfigFields.rules.optional(),
  fallthrough: FlagEnvConfigFields.fallthrough.optional(),
  prerequisites: FlagEnvConfigFields.prerequisites.optional(),
}
