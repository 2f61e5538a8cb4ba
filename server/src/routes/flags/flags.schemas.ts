import { z } from 'zod'
import { Comment, FlagEnvConfigFields, PageQuery, ResourceKey } from '../../schemas/common.js'

export { CreateFlagBody, UpdateFlagBody } from '../../schemas/flag.js'

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
