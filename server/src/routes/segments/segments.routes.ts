import { Hono } from 'hono'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { deleteSegment, getSegment, listSegments, putSegment } from '../../domain/segments.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, readIfMatch } from '../../http/validate.js'
import { CommentBody } from '../../schemas/common.js'
import { PutSegmentBody } from '../../schemas/segment.js'
import { EnvParams, SegmentParams } from './segments.schemas.js'

export function segmentRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  app.get('/:env', async (c) => {
    const { env } = parseParams(c, EnvParams)
    return c.json({ items: await listSegments(deps.db, env) })
  })

  app.get('/:env/:key', async (c) => {
    const { env, key } = parseParams(c, SegmentParams)
    const segment = await getSegment(deps.db, env, key)
    c.header('ETag', `"${segment.version}"`)
    return c.json(segment)
  })

  app.put('/:env/:key', async (c) => {
    const { env, key } = parseParams(c, SegmentParams)
    const ifMatch = readIfMatch(c)
    const { comment, ...input } = await parseBody(c, PutSegmentBody)
    const who = changeActor(c, comment)
    const result = await putSegment(deps, who, env, key, input, ifMatch)
    c.header('ETag', `"${result.segment.version}"`)
    return c.json(result.segment, result.created ? 201 : 200)
  })

  app.delete('/:env/:key', async (c) => {
    const { env, key } = parseParams(c, SegmentParams)
    const { comment } = await parseBody(c, CommentBody, true)
    const who = changeActor(c, comment)
    await deleteSegment(deps, who, env, key)
    return c.body(null, 204)
  })

  return app
}
