import { Hono, type Context } from 'hono'
import type { DomainDeps } from '../../domain/write-transaction.js'
import { getFlagConfig, patchFlagConfig, replaceFlagConfig } from '../../domain/flag-configs.js'
import { createFlag, deleteFlag, getFlag, listFlags, updateFlag } from '../../domain/flags.js'
import { changeActor } from '../../http/actor.js'
import type { AppEnv } from '../../http/env.js'
import { requireRole } from '../../http/middleware/auth.js'
import { parseBody, parseParams, parseQuery, readIfMatch } from '../../http/validate.js'
import {
  CreateFlagBody,
  FlagEnvParams,
  FlagParams,
  KillBody,
  ListFlagsQuery,
  PatchConfigBody,
  ReplaceConfigBody,
  RestoreBody,
  ThrottleBody,
  UpdateFlagBody,
} from './flags.schemas.js'
import { killFlag, restoreFlag } from '../../domain/kill-switch.js'
import { throttleFlag } from '../../domain/safety-valves.js'
import { CommentBody } from '../../schemas/common.js'

function withEtag(c: Context<AppEnv>, version: number) {
  c.header('ETag', `"${version}"`)
}

export function flagRoutes(deps: DomainDeps) {
  const app = new Hono<AppEnv>()
  app.use('*', requireRole(deps, 'by-method'))

  app.get('/', async (c) => c.json(await listFlags(deps.db, parseQuery(c, ListFlagsQuery))))

  app.post('/', async (c) => {
    const { comment, ...input } = await parseBody(c, CreateFlagBody)
    return c.json(await createFlag(deps, changeActor(c, comment), input), 201)
  })

  app.get('/:key', async (c) => {
    const { key } = parseParams(c, FlagParams)
    return c.json(await getFlag(deps.db, key))
  })

  app.patch('/:key', async (c) => {
    const { key } = parseParams(c, FlagParams)
    const { comment, ...input } = await parseBody(c, UpdateFlagBody)
    return c.json(await updateFlag(deps, changeActor(c, comment), key, input))
  })

  app.delete('/:key', async (c) => {
    const { key } = parseParams(c, FlagParams)
    const { comment } = await parseBody(c, CommentBody, true)
    await deleteFlag(deps, changeActor(c, comment), key)
    return c.body(null, 204)
  })

  app.get('/:key/envs/:env', async (c) => {
    const { key, env } = parseParams(c, FlagEnvParams)
    const config = await getFlagConfig(deps.db, key, env)
    withEtag(c, config.version)
    return c.json(config)
  })

  app.put('/:key/envs/:env', async (c) => {
    const { key, env } = parseParams(c, FlagEnvParams)
    const ifMatch = readIfMatch(c)
    const { comment, on, offVariation, targets, rules, fallthrough, prerequisites } =
      await parseBody(c, ReplaceConfigBody)
    const config = { on, offVariation, targets, rules, fallthrough, prerequisites }
    const result = await replaceFlagConfig(deps, changeActor(c, comment), key, env, config, ifMatch)
    withEtag(c, result.config.version)
    return c.json(result.config)
  })

  app.patch('/:key/envs/:env', async (c) => {
    const { key, env } = parseParams(c, FlagEnvParams)
    const ifMatch = readIfMatch(c)
    const { comment, ...patch } = await parseBody(c, PatchConfigBody)
    const result = await patchFlagConfig(deps, changeActor(c, comment), key, env, patch, ifMatch)
    withEtag(c, result.config.version)
    return c.json(result.config)
  })

  // Kill switch: idempotent; a second kill answers changed: false and writes nothing.
  app.post('/:key/envs/:env/kill', async (c) => {
    const { key, env } = parseParams(c, FlagEnvParams)
    const { comment, clauses } = await parseBody(c, KillBody, true)
    const result = await killFlag(deps, changeActor(c, comment), key, env, clauses)
    withEtag(c, result.config.version)
    return c.json(result)
  })

  app.post('/:key/envs/:env/restore', async (c) => {
    const { key, env } = parseParams(c, FlagEnvParams)
    const { comment, ruleId } = await parseBody(c, RestoreBody, true)
    const result = await restoreFlag(deps, changeActor(c, comment), key, env, ruleId)
    withEtag(c, result.config.version)
    return c.json(result)
  })

  app.post('/:key/envs/:env/throttle', async (c) => {
    const { key, env } = parseParams(c, FlagEnvParams)
    const { comment, percent } = await parseBody(c, ThrottleBody)
    const result = await throttleFlag(deps, changeActor(c, comment), key, env, percent)
    withEtag(c, result.config.version)
    return c.json(result)
  })

  return app
}
