import type { WireFlag } from '../model/flag.js'
import type { WireSegment } from '../model/segment.js'

/** Version of the streaming protocol; bumped on any breaking change to the messages below. */
export const PROTOCOL_VERSION = 1

/** Full snapshot of one environment, sent on connect and on resync. */
export interface PutMessage {
  type: 'put'
  version: number
  flags: WireFlag[]
  /** Segments of the environment; absent means none. */
  segments?: WireSegment[]
}

/** One flag or one segment changed (or was created) at environment version `version`. */
export type PatchMessage =
  | { type: 'patch'; version: number; flag: WireFlag }
  | { type: 'patch'; version: number; segment: WireSegment }

/** One flag (kind absent or 'flag') or segment was deleted at environment version `version`. */
export interface DeleteMessage {
  type: 'delete'
  version: number
  key: string
  kind?: 'flag' | 'segment'
}

/** Application-level heartbeat; the SDK treats a silent stream as dead after a deadline. */
export interface PingMessage {
  type: 'ping'
  /** Server time, epoch ms. */
  time: number
  /** Current environment version, so an idle client can notice a missed change. */
  version: number
}

export type ServerMessage = PutMessage | PatchMessage | DeleteMessage | PingMessage

/** The client missed versions (or wants a fresh copy) and asks for a `put`. */
export interface ResyncMessage {
  type: 'resync'
  version?: number
}

export interface PongMessage {
  type: 'pong'
  time?: number
}

export type ClientMessage = ResyncMessage | PongMessage

/** WebSocket close codes used by the server. */
export const CLOSE_CODES = {
  goingAway: 1001,
  invalidKey: 4401,
  keyRevoked: 4403,
  protocolError: 4400,
  heartbeatTimeout: 4408,
  /** The SDK stopped reading: its send buffer passed the server's bound. */
  slowConsumer: 4429,
} as const

/** Header carrying the SDK's last known environment version on (re)connect. */
export const LAST_VERSION_PARAM = 'version'
