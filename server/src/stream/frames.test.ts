import { describe, expect, it } from 'vitest'
import * as ws from 'ws'
import { PING_FRAME, textFrame } from './frames.js'

// ws's own framing, to compare with (exported at runtime, not in @types/ws).
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }
const wsFrame = (data: Buffer, opcode: number) =>
  Buffer.concat(Sender.frame(data, { fin: true, rsv1: false, opcode, mask: false, readOnly: true }))

describe('frames', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000].map((length) => ({ length })))(
    'frames a $length-byte text message as ws does',
    ({ length }) => {
      const json = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2)
      expect(textFrame(json).equals(wsFrame(Buffer.from(json), 1))).toBe(true)
    },
  )

  it('builds an empty ping frame', () => {
    expect(PING_FRAME.equals(wsFrame(Buffer.alloc(0), 9))).toBe(true)
  })
})
