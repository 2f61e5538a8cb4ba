import { BUCKET_SCALE } from '@switchyard/core'
import { z } from 'zod'
import { Clause, Comment } from './common.js'

const ContextKey = z.string().min(1).max(1024)

export const SegmentRule = z.strictObject({
  id: z.string().min(1).max(128).optional(),
  clauses: z
    .array(Clause)
    .max(100)
    .refine((clauses) => clauses.every((c) => c.op !== 'segmentMatch'), {
      message: 'segment rules cannot refer to other segments (segmentMatch)',
    }),
  weight: z.int().min(0).max(BUCKET_SCALE).optional(),
  bucketBy: z.string().min(1).max(256).optional(),
})

export const PutSegmentBody = z.strictObject({
  name: z.string().max(256).optional(),
  description: z.string().max(5000).optional(),
  included: z.array(ContextKey).max(1_000_000).default([]),
  excluded: z.array(ContextKey).max(1_000_000).default([]),
  rules: z.array(SegmentRule).max(1000).default([]),
  comment: Comment.optional(),
})
export type PutSegmentBody = z.infer<typeof PutSegmentBody>
