import { readConfig } from './config.js'
import { createLogger } from './logger.js'
import { startServer } from './server.js'

let config
try {
  config = readConfig()
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exit(2)
}
const logger = createLogger(config.LOG_LEVEL)

try {
  const running = await startServer({
    config,
    logger,
    onGeneratedAdminToken: (token) => {
      // Printed once, on purpose, outside the structured log: it is never stored in clear.
      process.stdout.write(
        `\nGenerated an admin token (shown once; store it now):\n\n  ${token}\n\nSet SWITCHYARD_ADMIN_TOKEN to choose your own.\n\n`,
      )
    },
  })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting')
      process.exit(1)
    }, 10_000)
    force.unref()
    running.close().then(
      () => {
        logger.info('stopped')
        process.exit(0)
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
} catch (error) {
  logger.fatal({ err: error }, 'switchyard failed to start')
  process.exit(1)
}
