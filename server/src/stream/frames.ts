import type { Duplex } from 'node:stream'

const OPCODE_TEXT = 0x1
const OPCODE_PING = 0x9

/**
 * One final, unmasked WebSocket frame (RFC 6455 §5.2). A server never masks its frames, so the
 * bytes are the same for every socket: build a message's frame once and write it to each.
 */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const out = Buffer.allocUnsafe(headerLength + length)
  out[0] = 0x80 | opcode
  if (length < 126) {
    out[1] = length
  } else if (length < 65_536) {
    out[1] = 126
    out.writeUInt16BE(length, 2)
  } else {
    out[1] = 127
    out.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    out.writeUInt32BE(length >>> 0, 6)
  }
  payload.copy(out, headerLength)
  return out
}

/** A text frame carrying `json`. */
export function textFrame(json: string): Buffer {
  return frame(OPCODE_TEXT, Buffer.from(json, 'utf8'))
}

/** A ping frame with an empty payload: the peer's WebSocket stack answers it with a pong. */
export const PING_FRAME: Buffer = frame(OPCODE_PING, Buffer.alloc(0))

/**
 * Writes whole frames straight to the socket a WebSocket runs on. Safe next to ws's own writes
 * (pongs, the close frame) because ws writes every frame synchronously and queues nothing while
 * permessage-deflate is off, so frames never interleave; the caller checks the WebSocket is
 * still OPEN, so nothing follows a close frame. Like ws.send, it buffers without limit: the
 * caller bounds what a socket may hold (back-pressure.ts closes one that stops reading).
 */
export function writeFrame(socket: Duplex, data: Buffer): boolean {
  if (!socket.writable) return false
  socket.write(data)
  return true
}
