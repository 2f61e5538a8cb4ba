import { z } from 'zod'
import { TRIGGER_ACTIONS, TRIGGER_FORMATS } from '../../domain/triggers.js'
import { Comment, ResourceKey } from '../../schemas/common.js'

export const CreateTriggerBody = z.strictObject({
  name: z.string().min(1).max(128),
  flag: ResourceKey,
  env: ResourceKey,
  action: z.enum(TRIGGER_ACTIONS),
  percent: z.number().min(0).max(100).multipleOf(0.001).optional(),
  format: z.enum(TRIGGER_FORMATS).default('generic'),
  onResolved: z.enum(['restore', 'none']).default('none'),
  /** Shared secret for signed deliveries (HMAC-SHA256; Honeycomb's shared secret). */
  secret: z.string().min(16).max(256).optional(),
  comment: Comment.optional(),
})

export const TriggerParams = z.object({ id: z.string().min(1).max(128) })
export const ListTriggersQuery = z.strictObject({
  flag: ResourceKey.optional(),
  env: ResourceKey.optional(),
})
export const HookParams = z.object({ token: z.string() })
