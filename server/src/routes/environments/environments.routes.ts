import { Hono } from 'hono'
import type { DomainDeps } from '../../domain/write-transaction.js'
import {
  createEnvironment,
  createSdkKey,
  getEnvironment,
  listEnvironments,
  listSdkKeys,
  revokeSdkKey,
} from '../../domain/environments.js'
import { setTagOn } from '../../domain/kill-switch.js'
import { listValves } from '../../domain/safety-valves.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams } from '../../http/validate.js'
import { CommentBody } from '../../schemas/common.js'
import {
  CreateEnvironmentBody,
  CreateKeyBody,
  EnvParams,
  KeyParams,
  TagBody,
} from './environments.schemas.js'

/** Environments and their SDK keys, under /api/v1/environments. */
export function environmentRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  const reader = requireRole(deps, 'reader')
  const admin = requireRole(deps, 'admin')

  app.get('/', reader, async (c) => c.json({ items: await listEnvironments(deps.db) }))

  app.post('/', admin, async (c) => {
    const { comment, ...input } = await parseBody(c, CreateEnvironmentBody)
    return c.json(await createEnvironment(deps, changeActor(c, comment), input), 201)
  })

  app.get('/:env', reader, async (c) => {
    const { env } = parseParams(c, EnvParams)
    return c.json(await getEnvironment(deps.db, env))
  })

  app.get('/:env/keys', admin, async (c) => {
    const { env } = parseParams(c, EnvParams)
    return c.json({ items: await listSdkKeys(deps.db, env) })
  })

  app.post('/:env/keys', admin, async (c) => {
    const { env } = parseParams(c, EnvParams)
    const { type, comment } = await parseBody(c, CreateKeyBody)
    return c.json(await createSdkKey(deps, changeActor(c, comment), env, type), 201)
  })

  app.delete('/:env/keys/:id', admin, async (c) => {
    const { env, id } = parseParams(c, KeyParams)
    const { comment } = await parseBody(c, CommentBody, true)
    return c.json(await revokeSdkKey(deps, changeActor(c, comment), env, id))
  })

  return app
}

/**
 * Environment-wide kill-switch controls under /api/v1/envs: kill or restore by tag, and the
 * safety valve board.
 */
export function environmentControlRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  for (const [path, on] of [
    ['kill', false],
    ['restore', true],
  ] as const) {
    app.post(`/:env/${path}`, async (c) => {
      const { env } = parseParams(c, EnvParams)
      const { tag, comment } = await parseBody(c, TagBody)
      return c.json(await setTagOn(deps, changeActor(c, comment), env, tag, on))
    })
  }

  app.get('/:env/valves', async (c) => {
    const { env } = parseParams(c, EnvParams)
    return c.json({ items: await listValves(deps.db, env) })
  })

  return app
}
