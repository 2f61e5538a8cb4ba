import type { PingMessage } from '@switchyard/core'
import type { Logger } from '../logger.js'
import type { FrameWriter } from './back-pressure.js'
import type { Connection } from './connection.js'
import { PING_FRAME, textFrame } from './frames.js'
import type { EnvSnapshots } from './snapshots.js'

/** The heartbeat visits one slice of the connections per tick, each slice once per interval. */
const HEARTBEAT_TICK_MS = 100
const MAX_HEARTBEAT_SLICES = 100

export interface HeartbeatOptions {
  /** Each socket is pinged once per interval; one that missed a full interval's pong is dead. */
  intervalMs: number
  /** The versions the JSON pings carry. */
  snapshots: EnvSnapshots
  write: FrameWriter
  logger: Logger
  /** A connection that missed its pong, just terminated. */
  onDead: (connection: Connection) => void
}

/**
 * Pings every SDK socket once per interval, with a WebSocket ping frame (its pong proves the peer
 * alive) and the JSON ping carrying its environment's version, and terminates a socket that
 * answered nothing to the previous one.
 */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout
  private readonly slices: Array<Set<Connection>>
  private nextSlice = 0
  private tick = 0

  constructor(private readonly options: HeartbeatOptions) {
    // Spread over the interval so that no tick writes to every socket at once (a flip landing on
    // such a tick waited ~20-50 ms behind 1,000 pings).
    const count = Math.max(
      1,
      Math.min(MAX_HEARTBEAT_SLICES, Math.floor(options.intervalMs / HEARTBEAT_TICK_MS)),
    )
    this.slices = Array.from({ length: count }, () => new Set<Connection>())
    this.timer = setInterval(() => this.beat(), options.intervalMs / count)
    this.timer.unref()
  }

  /** Gives a new connection its slice. */
  add(connection: Connection): void {
    connection.slice = this.nextSlice
    this.nextSlice = (this.nextSlice + 1) % this.slices.length
    this.slices[connection.slice]!.add(connection)
  }

  remove(connection: Connection): void {
    this.slices[connection.slice]?.delete(connection)
  }

  stop(): void {
    clearInterval(this.timer)
  }

  private beat(): void {
    const slice = this.slices[this.tick]!
    this.tick = (this.tick + 1) % this.slices.length
    if (slice.size === 0) return
    void this.ping(slice).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'heartbeat failed'),
    )
  }

  /**
   * Pings one slice: a socket that answered nothing since its previous ping (one interval ago) is
   * terminated; every other gets one write with a WebSocket ping frame and the JSON ping, built
   * once per environment.
   */
  private async ping(slice: Set<Connection>): Promise<void> {
    const now = Date.now()
    const pings = new Map<string, Buffer>()
    for (const [env, loading] of this.options.snapshots.loaded()) {
      const snapshot = await loading.catch(() => null)
      if (!snapshot) continue
      const ping: PingMessage = { type: 'ping', time: now, version: snapshot.version }
      pings.set(env, Buffer.concat([PING_FRAME, textFrame(JSON.stringify(ping))]))
    }
    for (const c of slice) {
      if (!c.alive) {
        c.ws.terminate()
        this.options.onDead(c)
        continue
      }
      c.alive = false
      this.options.write(c, pings.get(c.env) ?? PING_FRAME)
    }
  }
}
