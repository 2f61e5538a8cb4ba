import { z } from 'zod'
import { ResourceKey } from '../../schemas/common.js'

export const EvaluateBody = z.looseObject({
  context: z.record(z.string(), z.unknown()).default({}),
})
export const FlagParams = z.object({ key: ResourceKey })
