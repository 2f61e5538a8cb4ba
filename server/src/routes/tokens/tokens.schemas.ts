import { z } from 'zod'
import { ROLES } from '../../domain/token-auth.js'
import { Comment } from '../../schemas/common.js'

export const CreateTokenBody = z.strictObject({
  name: z.string().min(1).max(128),
  role: z.enum(ROLES),
  comment: Comment.optional(),
})

export const TokenParams = z.object({ id: z.string().min(1).max(128) })
