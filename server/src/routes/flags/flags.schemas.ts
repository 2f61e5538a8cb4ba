import { FLAG_KINDS } from '@switchyard/core'
import { z } from 'zod'
import { Comment, FlagEnvConfigFields, JsonValue, PageQuery, ResourceKey } from '../../schemas/common.js'

export const Variation = z.strictObject({
  value: JsonValue,
  name: z.string().max(256).optional(),
})

const Tags = z.array(z.string().min(1).max(64)).max(50)

export const CreateFlagBody = z.strictObject({
  key: ResourceKey,
  name: z.string().min(1).max(256).optional(),
  description: z.string().max(5000).optional(),
  kind: z.enum(FLAG_KINDS).optional(),
  variations: z.array(Variation).min(1).max(100).optional(),
  tags: Tags.optional(),
  clientSide: z.boolean().optional(),
  temporary: z.boolean().optional(),
  comment: Comment.optional(),
})
export type CreateFlagBody = z.infer<typeof CreateFlagBody>

export const UpdateFlagBody = z.strictObject({
  name: z.string().min(1).max(256).optional(),
  description: z.string().max(5000).optional(),
  variations: z.array(Variation).min(1).max(100).optional(),
  tags: Tags.optional(),
  clientSide: z.boolean().optional(),
  temporary: z.boolean().optional(),
  comment: Comment.optional(),
})
export type UpdateFlagBody = z.infer<typeof UpdateFlagBody>

export const ListFlagsQuery = z.strictObject({
  tag: z.string().min(1).max(64).optional(),
  ...PageQuery,
})

export const FlagParams = z.object({ key: ResourceKey })
export const FlagEnvParams = z.object({ key: ResourceKey, env: ResourceKey })

export const ReplaceConfigBody = z.strictObject({
  on: FlagEnvConfigFields.on,
  offVariation: FlagEnvConfigFields.offVariation,
  targets: FlagEnvConfigFields.targets.default([]),
  rules: FlagEnvConfigFields.rules.default([]),
  fallthrough: FlagEnvConfigFields.fallthrough,
  prerequisites: FlagEnvConfigFields.prerequisites.default([]),
  comment: Comment.optional(),
})
export type ReplaceConfigBody = z.infer<typeof ReplaceConfigBody>

export const PatchConfigBody = z.strictObject({
  on: FlagEnvConfigFields.on.optional(),
  offVariation: FlagEnvConfigFields.offVariation.optional(),
  targets: FlagEnvConfigFields.targets.optional(),
  rules: FlagEnvConfigFields.rules.optional(),
  fallthrough: FlagEnvConfigFields.fallthrough.optional(),
  prerequisites: FlagEnvConfigFields.prerequisites.optional(),
  comment: Comment.optional(),
})
export type PatchConfigBody = z.infer<typeof PatchConfigBody>

export const KillBody = z.strictObject({ comment: Comment.optional() })
