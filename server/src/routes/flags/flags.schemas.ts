import { z } from 'zod'
import {
  Clause,
  Comment,
  ConfigPatchFields,
  FlagEnvConfigFields,
  PageQuery,
  ResourceKey,
} from '../../schemas/common.js'

export { CreateFlagBody, UpdateFlagBody } from '../../schemas/flag.js'

export const ListFlagsQuery = z.strictObject({
  tag: z.string().min(1).max(64).optional(),
  ...PageQuery,
})

export const FlagParams = z.object({ key: ResourceKey })
export const FlagEnvParams = z.object({ key: ResourceKey, env: ResourceKey })

const ReadOnlyConfigFields = {
  flag: z.string().optional(),
  env: z.string().optional(),
  version: z.number().optional(),
  salt: z.string().optional(),
  killSwitch: z.unknown().optional(),
  updatedAt: z.string().optional(),
}

export const ReplaceConfigBody = z.strictObject({
  on: FlagEnvConfigFields.on,
  offVariation: FlagEnvConfigFields.offVariation,
  targets: FlagEnvConfigFields.targets.default([]),
  rules: FlagEnvConfigFields.rules.default([]),
  fallthrough: FlagEnvConfigFields.fallthrough,
  prerequisites: FlagEnvConfigFields.prerequisites.default([]),
  comment: Comment.optional(),
  // Read-only fields of a GET response are accepted and ignored, so GET → edit → PUT works.
  ...ReadOnlyConfigFields,
})
export type ReplaceConfigBody = z.infer<typeof ReplaceConfigBody>

export const PatchConfigBody = z.strictObject({
  ...ConfigPatchFields,
  comment: Comment.optional(),
})
export type PatchConfigBody = z.infer<typeof PatchConfigBody>

export const KillBody = z.strictObject({
  comment: Comment.optional(),
  /** Targeted kill: only contexts matching all these clauses get the off variation. */
  clauses: z.array(Clause).min(1).max(20).optional(),
})

export const RestoreBody = z.strictObject({
  comment: Comment.optional(),
  /** Remove just this kill rule (leaves the flag's on/off state alone). */
  ruleId: z.string().min(1).max(128).optional(),
})

export const ThrottleBody = z.strictObject({
  percent: z.number().min(0).max(100).multipleOf(0.001),
  comment: Comment.optional(),
})
