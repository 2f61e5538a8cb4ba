import { z } from 'zod'
import { Comment, ResourceKey } from '../../schemas/common.js'

export const CreateEnvironmentBody = z.strictObject({
  key: ResourceKey,
  name: z.string().min(1).max(256).optional(),
  comment: Comment.optional(),
})

export const CreateKeyBody = z.strictObject({
  type: z.enum(['server', 'client']),
  comment: Comment.optional(),
})

export const EnvParams = z.object({ env: ResourceKey })
export const KeyParams = z.object({ env: ResourceKey, id: z.string().min(1).max(128) })

export const TagBody = z.strictObject({
  tag: z.string().min(1).max(64),
  comment: Comment.optional(),
})
