import { z } from 'zod'
import { Comment } from '../../schemas/common.js'

export const CreateWebhookBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  events: z
    .array(
      z
        .string()
        .regex(
          /^(\*|[a-z-]+(\.[a-z-]+)*(\.\*)?)$/,
          'must be an action such as flag.kill, a prefix such as flag.*, or *',
        ),
    )
    .min(1)
    .max(50),
  secret: z.string().min(16).max(256).optional(),
  format: z.enum(['json', 'slack']).default('json'),
  comment: Comment.optional(),
})

export const WebhookParams = z.object({ id: z.string().min(1).max(128) })
export const DeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
})
