import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { CLOSE_CODES, type ClientMessage } from '@switchyard/core'
import { WebSocketServer } from 'ws'
import type { ChangeBus } from '../db/bus.js'
import type { SdkPrincipal } from '../domain/sdk-auth.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { createFrameWriter, type FrameWriter } from './back-pressure.js'
import type { Connection } from './connection.js'
import { textFrame } from './frames.js'
import { Heartbeat } from './heartbeat.js'
import type { EnvSnapshots } from './snapshots.js'

export interface HubOptions {
  snapshots: EnvSnapshots
  /** Where key revocations arrive: a revoked key's sockets are closed. */
  bus: ChangeBus
  logger: Logger
  /** Heartbeat period; a socket that misses one full period's pong is closed. */
  pingIntervalMs: number
  /**
   * Bytes a socket may hold unsent, on top of the latest put it was sent: a frame that would leave
   * more is not written, and the socket is closed with 4429 (a frame into an empty buffer is
   * always written, so any put goes out; see fitsBacklog).
   */
  maxBufferedBytes: number
  metrics?: Metrics | undefined
}

/**
 * The SDK sockets of this replica: takes each one over once its upgrade is authenticated, sends it
 * its environment's put, and fans every change of the environment snapshots out to the sockets
 * of that environment.
 */
export class StreamHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  })
  private readonly connections = new Set<Connection>()
  private readonly write: FrameWriter
  private readonly heartbeat: Heartbeat
  private readonly unsubscribe: Array<() => void>
  private shuttingDown = false
  /** Keys revoked while this replica runs: an upgrade that raced a revocation is closed too. */
  private readonly revokedKeys = new Set<string>()

  constructor(private readonly options: HubOptions) {
    this.write = createFrameWriter({
      maxBufferedBytes: options.maxBufferedBytes,
      graceMs: options.pingIntervalMs,
      logger: options.logger,
      metrics: options.metrics,
    })
    this.unsubscribe = [
      options.snapshots.subscribe((env, json, type) => this.broadcast(env, json, type)),
      options.bus.subscribe((event) => {
        if (event.type === 'sdk-key-revoked') this.closeRevoked(event.keyId)
      }),
    ]
    this.heartbeat = new Heartbeat({
      intervalMs: options.pingIntervalMs,
      snapshots: options.snapshots,
      write: this.write,
      logger: options.logger,
      onDead: (connection) => this.forget(connection),
    })
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** True once close() has begun: new sockets are refused. */
  get closing(): boolean {
    return this.shuttingDown
  }

  /**
   * Takes over an upgrade to /sdk/v1/stream whose key and environment were checked, and sends the
   * socket its environment as it is by then.
   */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, principal: SdkPrincipal): void {
    const { env, keyId } = principal
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = { ws, socket, env, keyId, alive: true, slice: 0, putBytes: 0 }
      this.connections.add(connection)
      this.heartbeat.add(connection)
      this.options.metrics?.streamConnections.inc()
      ws.on('pong', () => {
        connection.alive = true
      })
      ws.on('message', (data) => {
        connection.alive = true
        this.onClientMessage(connection, data.toString())
      })
      ws.on('close', () => this.forget(connection))
      ws.on('error', () => ws.terminate())
      if (this.shuttingDown) {
        ws.close(CLOSE_CODES.goingAway, 'server shutting down')
        return
      }
      if (this.revokedKeys.has(keyId)) {
        ws.close(CLOSE_CODES.keyRevoked, 'SDK key revoked')
        return
      }
      // Send the state as it is now (it may have moved on while the upgrade ran).
      void this.sendPut(connection)
    })
  }

  /** Closes every SDK socket with 1001 so SDKs reconnect elsewhere. */
  async close(): Promise<void> {
    this.shuttingDown = true
    this.heartbeat.stop()
    for (const unsubscribe of this.unsubscribe) unsubscribe()
    for (const c of this.connections) c.ws.close(CLOSE_CODES.goingAway, 'server shutting down')
    const deadline = Date.now() + 2000
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    for (const c of this.connections) c.ws.terminate()
    this.wss.close()
  }

  private async sendPut(connection: Connection): Promise<void> {
    const snapshot = await this.options.snapshots.get(connection.env).catch(() => null)
    if (!snapshot) return
    const frame = snapshot.putFrame()
    connection.putBytes = frame.length
    this.write(connection, frame)
  }

  private onClientMessage(connection: Connection, text: string): void {
    let message: ClientMessage
    try {
      message = JSON.parse(text) as ClientMessage
    } catch {
      connection.ws.close(CLOSE_CODES.protocolError, 'malformed message')
      return
    }
    if (message?.type === 'resync') void this.sendPut(connection)
  }

  private closeRevoked(keyId: string): void {
    this.revokedKeys.add(keyId)
    for (const c of this.connections) {
      if (c.keyId === keyId) c.ws.close(CLOSE_CODES.keyRevoked, 'SDK key revoked')
    }
  }

  private broadcast(env: string, json: string, type: string): void {
    let sent = 0
    // perf: one frame for every socket, written straight to it; ws.send per socket costs ~7%
    // more (fanout-floor.mjs) for its per-call options, framing and cork/uncork.
    const frame = textFrame(json)
    const write = this.write
    for (const c of this.connections) {
      if (c.env === env && write(c, frame)) sent++
    }
    this.options.metrics?.streamMessages.inc({ type }, sent)
  }

  private forget(connection: Connection): void {
    this.heartbeat.remove(connection)
    if (this.connections.delete(connection)) this.options.metrics?.streamConnections.dec()
  }
}
