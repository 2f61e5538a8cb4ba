import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { SdkAuthenticator, SdkPrincipal } from '../../domain/sdk-auth.js'
import { forbidden, notFound, serviceUnavailable, unauthorized } from '../../http/problem.js'
import { refuseUpgrade } from '../../http/refuse-upgrade.js'
import { readSdkKey } from '../../http/sdk-key.js'
import type { Logger } from '../../logger.js'
import type { StreamHub } from '../../stream/hub.js'
import type { LiveSnapshot } from '../../stream/live-snapshot.js'
import type { EnvSnapshots } from '../../stream/snapshots.js'

export interface StreamUpgradeDeps {
  hub: StreamHub
  snapshots: EnvSnapshots
  authenticateSdk: SdkAuthenticator
  logger: Logger
}

/**
 * The WebSocket endpoint `/sdk/v1/stream`: an upgrade is authenticated (a server SDK key whose
 * environment exists) before it is accepted, and refused with a problem type otherwise.
 */
export function createStreamUpgrade(deps: StreamUpgradeDeps) {
  return async (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy())
    if (deps.hub.closing)
      return refuseUpgrade(socket, serviceUnavailable('server is shutting down'))
    const key = readSdkKey(request.headers.authorization)
    if (!key) return refuseUpgrade(socket, unauthorized('missing SDK key'))
    let principal: SdkPrincipal | null
    try {
      principal = await deps.authenticateSdk(key)
    } catch (error) {
      deps.logger.error({ err: error }, 'SDK key lookup failed')
      return refuseUpgrade(socket, serviceUnavailable('database unavailable'))
    }
    if (!principal) return refuseUpgrade(socket, unauthorized('invalid SDK key'))
    if (principal.type !== 'server')
      return refuseUpgrade(socket, forbidden('client keys are not accepted on this endpoint yet'))
    let snapshot: LiveSnapshot | null
    try {
      snapshot = await deps.snapshots.get(principal.env)
    } catch (error) {
      deps.logger.error({ err: error, env: principal.env }, 'loading environment snapshot failed')
      return refuseUpgrade(socket, serviceUnavailable('database unavailable'))
    }
    if (!snapshot || socket.destroyed) return refuseUpgrade(socket, notFound('environment'))
    deps.hub.accept(request, socket, head, principal)
  }
}
