import { FLAG_KINDS } from '@switchyard/core'
import { z } from 'zod'
import { Comment, JsonValue, ResourceKey } from './common.js'

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
  safetyValve: z.boolean().optional(),
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
  safetyValve: z.boolean().optional(),
  comment: Comment.optional(),
})
export type UpdateFlagBody = z.infer<typeof UpdateFlagBody>
