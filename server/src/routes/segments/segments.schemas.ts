import { z } from 'zod'
import { ResourceKey } from '../../schemas/common.js'

export const EnvParams = z.object({ env: ResourceKey })
export const SegmentParams = z.object({ env: ResourceKey, key: ResourceKey })
