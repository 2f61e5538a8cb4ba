import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

/** One SDK socket of the stream; every field is set when it connects (one shape for all). */
export interface Connection {
  ws: WebSocket
  /** The socket `ws` runs on: pre-built frames are written to it directly. */
  socket: Duplex
  env: string
  keyId: string
  /** Whether it answered (pong or message) since its latest ping. */
  alive: boolean
  /** Which heartbeat slice pings this connection. */
  slice: number
  /** Bytes of the latest put sent to it: allowed on top of the bound (see fitsBacklog). */
  putBytes: number
}
