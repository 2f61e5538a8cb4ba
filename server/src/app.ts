import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { requestId } from 'hono/request-id'
import type { ChangeBus } from './db/bus.js'
import type { Database } from './db/client.js'
import { pendingMigrations } from './db/migrate.js'
import type { Clock } from './domain/clock.js'
import type { DomainDeps } from './domain/write-transaction.js'
import type { SdkAuthenticator } from './domain/sdk-auth.js'
import { createWebhookTargetPolicy, type WebhookTargetPolicy } from './domain/webhook-targets.js'
import type { AppEnv } from './http/env.js'
import { createErrorHandler, renderProblem } from './http/on-error.js'
import { notFound, payloadTooLarge } from './http/problem.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import { changeRoutes } from './routes/changes/changes.routes.js'
import {
  environmentControlRoutes,
  environmentRoutes,
} from './routes/environments/environments.routes.js'
import { flagRoutes } from './routes/flags/flags.routes.js'
import { sdkRoutes } from './routes/sdk/sdk.routes.js'
import type { OfrepLimits } from './routes/ofrep/context-limits.js'
import { ofrepRoutes } from './routes/ofrep/ofrep.routes.js'
import { segmentRoutes } from './routes/segments/segments.routes.js'
import { tokenRoutes } from './routes/tokens/tokens.routes.js'
import { hookRoutes, triggerRoutes } from './routes/triggers/triggers.routes.js'
import { webhookRoutes } from './routes/webhooks/webhooks.routes.js'
import { rolloutRoutes } from './routes/rollouts/rollouts.routes.js'
import { scheduleRoutes } from './routes/schedules/schedules.routes.js'
import type { StreamHub } from './stream/hub.js'
import type { EnvSnapshots } from './stream/snapshots.js'

export interface AppDeps {
  database: Database
  bus: ChangeBus
  hub: StreamHub
  /** The live snapshot of each environment, which polling and OFREP answer from. */
  snapshots: EnvSnapshots
  authenticateSdk: SdkAuthenticator
  logger: Logger
  metrics: Metrics
  maxBodyBytes: number
  /** Base URL for secret trigger URLs (SWITCHYARD_PUBLIC_URL); the request's origin when unset. */
  publicUrl?: string | undefined
  /** Time for rollouts and schedules (injectable so tests need not sleep). */
  clock: Clock
  /** The directory of migrations, for readiness. */
  migrationsDir?: string
  /** Which webhook URLs may be created (public addresses only by default). */
  webhookTargets?: WebhookTargetPolicy
  /** OFREP's body and context bounds (64 KiB, 1,024-character strings by default). */
  ofrepLimits?: OfrepLimits
}

/** Builds the HTTP app from its dependencies; does no I/O itself. */
export function createApp(deps: AppDeps) {
  const { database, bus, hub, snapshots, logger, authenticateSdk, metrics } = deps
  const domain: DomainDeps = { db: database.db, bus }
  const app = new Hono<AppEnv>()

  app.use('*', requestId({ headerName: 'X-Request-Id' }))
  app.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    // Trigger URLs carry their secret in the path: never log it.
    const path = c.req.path.replace(/^\/hooks\/triggers\/[^/]+/, '/hooks/triggers/[redacted]')
    if (path === '/healthz' || path === '/readyz' || path === '/metrics') return
    const seconds = (performance.now() - started) / 1000
    // The matched route pattern keeps label cardinality bounded.
    const route = c.res.status === 404 && c.req.routePath === '/*' ? 'unmatched' : c.req.routePath
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) })
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds)
    logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path,
        status: c.res.status,
        ms: Math.round(seconds * 10_000) / 10,
      },
      'request',
    )
  })
  // why: browsers call OFREP with a (public) client key from their own origin; no cookies are
  // involved, so any origin may, and the key in the Authorization header is what authorizes.
  // Before the body limit, so that a 413 is readable by the page too.
  app.use(
    '/ofrep/v1/*',
    cors({
      origin: '*',
      allowMethods: ['POST'],
      allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'If-None-Match'],
      exposeHeaders: ['ETag'],
      maxAge: 600,
    }),
  )
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: (c) => renderProblem(c as never, payloadTooLarge(deps.maxBodyBytes)),
    }),
  )

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    try {
      await database.ping()
      const pending = await pendingMigrations(database.db, deps.migrationsDir)
      if (pending > 0)
        return c.json({ status: 'not-ready', database: 'ok', pendingMigrations: pending }, 503)
      // A replica that cannot hear about changes would serve stale flags: not ready.
      if (!bus.healthy())
        return c.json({ status: 'not-ready', database: 'ok', bus: 'disconnected' }, 503)
      return c.json({ status: 'ready', database: database.kind, connections: hub.connectionCount })
    } catch {
      return c.json({ status: 'not-ready', database: 'unreachable' }, 503)
    }
  })

  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  )

  app.route('/api/v1/flags', flagRoutes(domain))
  app.route('/api/v1/environments', environmentRoutes(domain))
  app.route('/api/v1/segments', segmentRoutes(domain))
  app.route('/api/v1/envs', environmentControlRoutes(domain))
  app.route('/api/v1/triggers', triggerRoutes(domain, { publicUrl: deps.publicUrl }))
  app.route('/hooks', hookRoutes(domain))
  app.route(
    '/api/v1/webhooks',
    webhookRoutes(domain, deps.webhookTargets ?? createWebhookTargetPolicy()),
  )
  app.route('/api/v1/rollouts', rolloutRoutes(domain, deps.clock))
  app.route('/api/v1/schedules', scheduleRoutes(domain))
  app.route('/api/v1/tokens', tokenRoutes(domain))
  app.route('/api/v1/changes', changeRoutes(domain))
  app.route('/sdk/v1', sdkRoutes({ snapshots, authenticateSdk }))
  app.route('/ofrep/v1', ofrepRoutes({ snapshots, authenticateSdk, limits: deps.ofrepLimits }))

  app.notFound((c) => renderProblem(c, notFound('route', `${c.req.method} ${c.req.path}`)))
  app.onError(createErrorHandler(logger, deps.maxBodyBytes))
  return app
}
