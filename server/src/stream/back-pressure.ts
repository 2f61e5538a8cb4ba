import { CLOSE_CODES } from '@switchyard/core'
import { WebSocket } from 'ws'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { Connection } from './connection.js'
import { writeFrame } from './frames.js'

/** Writes a pre-built frame to a connection; false when it was not written. */
export type FrameWriter = (connection: Connection, frame: Buffer) => boolean

export interface BackPressureOptions {
  /**
   * Bytes a socket may hold unsent, on top of the latest put it was sent: a frame that would leave
   * more is not written, and the socket is closed with 4429 (see fitsBacklog).
   */
  maxBufferedBytes: number
  /** How long a socket closed for being slow has to complete the close before it is terminated. */
  graceMs: number
  logger: Logger
  metrics?: Metrics | undefined
}

/**
 * Whether a frame may join a socket's unsent backlog: always into an empty one (so any put goes
 * out), else while the backlog stays within the bound plus the size of the latest put the socket
 * was sent, so an SDK still taking in a put larger than the bound is not closed for the patches
 * that follow it. A peer that stopped reading still reaches the limit after one such put.
 */
export function fitsBacklog(
  buffered: number,
  frameBytes: number,
  maxBufferedBytes: number,
  putBytes: number,
): boolean {
  return buffered === 0 || buffered + frameBytes <= maxBufferedBytes + putBytes
}

/**
 * The one way frames reach SDK sockets: a pre-built frame is written to an open connection (never
 * after ws has begun to close it), unless the socket already holds so much unsent that this frame
 * would take it past the bound: a peer that stopped reading is closed instead of buffered for
 * without limit.
 */
export function createFrameWriter(options: BackPressureOptions): FrameWriter {
  const { maxBufferedBytes } = options
  return (connection, frame) => {
    if (connection.ws.readyState !== WebSocket.OPEN) return false
    // The same count as ws.bufferedAmount: ws queues nothing of its own while deflate is off.
    const buffered = connection.socket.writableLength
    if (!fitsBacklog(buffered, frame.length, maxBufferedBytes, connection.putBytes)) {
      closeSlow(connection, buffered, options)
      return false
    }
    return writeFrame(connection.socket, frame)
  }
}

/**
 * Closes a socket that stopped reading with 4429, so its SDK reconnects (with backoff) and gets
 * a fresh put. The close frame waits behind everything buffered: a peer that has not completed
 * the close within the grace period (one heartbeat interval) is terminated, as one that misses a
 * pong would be.
 */
function closeSlow(connection: Connection, buffered: number, options: BackPressureOptions): void {
  const { ws } = connection
  options.metrics?.streamSlowCloses.inc()
  options.logger.warn(
    { env: connection.env, keyId: connection.keyId, bufferedBytes: buffered },
    'closing an SDK stream that stopped reading',
  )
  ws.close(CLOSE_CODES.slowConsumer, 'send buffer full')
  const timer = setTimeout(() => ws.terminate(), options.graceMs)
  timer.unref()
  ws.once('close', () => clearTimeout(timer))
}
