import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp } from './app.js'
import type { ServerConfig } from './config.js'
import { createLocalBus, type ChangeBus } from './db/bus.js'
import { createPostgresBus } from './db/pg-bus.js'
import { openPglite, openPostgres, type Database } from './db/client.js'
import { findMigrationsDir, migrate } from './db/migrate.js'
import type { Clock } from './domain/clock.js'
import { ensureDefaultEnvironments } from './domain/environments.js'
import { createSdkAuthenticator } from './domain/sdk-auth.js'
import { createWebhookTargetPolicy, type HostResolver } from './domain/webhook-targets.js'
import { bootstrapAdminToken } from './domain/tokens.js'
import type { Logger } from './logger.js'
import { createMetrics } from './metrics.js'
import { createStreamUpgrade } from './routes/sdk/stream-upgrade.js'
import { StreamHub } from './stream/hub.js'
import { EnvSnapshots } from './stream/snapshots.js'
import { WebhookDispatcher } from './jobs/webhook-dispatcher.js'
import { Scheduler } from './jobs/scheduler.js'

export interface RunningServer {
  url: string
  port: number
  database: Database
  bus: ChangeBus
  hub: StreamHub
  dispatcher: WebhookDispatcher
  scheduler: Scheduler
  /** Graceful stop: refuse new work, close SDK sockets with 1001, finish requests, close the database. */
  close(): Promise<void>
}

export interface StartOptions {
  config: ServerConfig
  logger: Logger
  /** Use this database instead of opening one from the config (tests). */
  database?: Database
  /** Called with a generated admin token on first start (printed once by main). */
  onGeneratedAdminToken?: (token: string) => void
  /** Time for rollouts and schedules; tests pass a fake clock and call scheduler.tick(). */
  clock?: Clock
  /** How webhook host names resolve (the system resolver by default; tests pass their own). */
  resolveHost?: HostResolver
}

export async function openDatabase(config: ServerConfig): Promise<Database> {
  return config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL)
    : openPglite(config.SWITCHYARD_DATA_DIR)
}

/** Opens the database, migrates, bootstraps and listens. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, logger } = options
  const database = options.database ?? (await openDatabase(config))
  try {
    const migrationsDir = findMigrationsDir()
    const { applied } = await migrate(database.db, migrationsDir)
    if (applied.length) logger.info({ applied }, 'migrations applied')
    // Postgres: LISTEN/NOTIFY, so any number of replicas share changes. PGlite: one process.
    const bus =
      database.kind === 'postgres' && database.url
        ? await createPostgresBus(database.url, logger)
        : createLocalBus((error) => logger.error({ err: error }, 'change bus listener failed'))
    await ensureDefaultEnvironments({ db: database.db, bus })
    const bootstrap = await bootstrapAdminToken(
      { db: database.db, bus },
      config.SWITCHYARD_ADMIN_TOKEN,
    )
    if (bootstrap.kind === 'generated') options.onGeneratedAdminToken?.(bootstrap.token)

    const clock = options.clock ?? (() => new Date())
    const authenticateSdk = createSdkAuthenticator(database.db, bus)
    const metrics = createMetrics()
    const snapshots = new EnvSnapshots({ deps: { db: database.db, bus }, logger, metrics })
    const hub = new StreamHub({
      snapshots,
      bus,
      logger,
      metrics,
      pingIntervalMs: config.SWITCHYARD_PING_INTERVAL_MS,
      maxBufferedBytes: config.SWITCHYARD_STREAM_MAX_BUFFERED_BYTES,
    })
    const webhookTargets = createWebhookTargetPolicy({
      allowedNetworks: config.SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS,
      resolve: options.resolveHost,
    })
    const upgradeStream = createStreamUpgrade({ hub, snapshots, authenticateSdk, logger })
    const app = createApp({
      database,
      bus,
      hub,
      snapshots,
      authenticateSdk,
      logger,
      metrics,
      maxBodyBytes: config.SWITCHYARD_MAX_BODY_BYTES,
      publicUrl: config.SWITCHYARD_PUBLIC_URL,
      clock,
      migrationsDir,
      webhookTargets,
      ofrepLimits: {
        maxBodyBytes: config.SWITCHYARD_OFREP_MAX_BODY_BYTES,
        maxStringLength: config.SWITCHYARD_OFREP_MAX_STRING,
      },
    })

    const scheduler = new Scheduler(
      { db: database.db, bus },
      logger,
      clock,
      config.SWITCHYARD_SCHEDULER_INTERVAL_MS,
    )
    const dispatcher = new WebhookDispatcher({
      deps: { db: database.db, bus },
      logger,
      pollMs: config.SWITCHYARD_WEBHOOK_POLL_MS,
      targets: webhookTargets,
    })

    const server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
        resolve(s as Server),
      ) as Server
      s.once('error', reject)
    })
    server.on('upgrade', (request, socket, head) => {
      const path = (request.url ?? '').split('?')[0]
      if (path === '/sdk/v1/stream') void upgradeStream(request, socket, head)
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    })
    const address = server.address() as AddressInfo
    const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`
    logger.info({ url, database: database.kind }, 'switchyard listening')

    let closing: Promise<void> | undefined
    return {
      url,
      port: address.port,
      database,
      bus,
      hub,
      dispatcher,
      scheduler,
      close: () => {
        closing ??= (async () => {
          const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
          snapshots.close()
          await hub.close()
          await dispatcher.close()
          await scheduler.close()
          server.closeIdleConnections()
          const timeout = new Promise<void>((resolve) =>
            setTimeout(resolve, config.SWITCHYARD_SHUTDOWN_TIMEOUT_MS).unref(),
          )
          await Promise.race([serverClosed, timeout])
          server.closeAllConnections()
          await bus.close()
          if (!options.database) await database.close()
        })()
        return closing
      },
    }
  } catch (error) {
    if (!options.database) await database.close().catch(() => {})
    throw error
  }
}
