import type { WireFlag } from '@switchyard/core'
import { describe, expect, it } from 'vitest'
import { encodeEvent } from './pg-bus.js'

describe('encodeEvent', () => {
  it('never puts the writer’s in-process state on the wire', () => {
    const flag: WireFlag = {
      key: 'checkout',
      kind: 'boolean',
      variations: [true, false],
      clientSide: false,
      version: 2,
      on: false,
      offVariation: 1,
      targets: [],
      rules: [],
      fallthrough: { variation: 0 },
      prerequisites: [],
      salt: 's',
    }
    const json = encodeEvent({
      type: 'env-changed',
      env: 'production',
      version: 7,
      upserted: ['checkout'],
      deleted: [],
      written: { flags: [flag], segments: [] },
    })
    expect(JSON.parse(json)).toEqual({
      type: 'env-changed',
      env: 'production',
      version: 7,
      upserted: ['checkout'],
      deleted: [],
    })
  })

  it('asks for a reload instead of listing too many keys', () => {
    const upserted = Array.from({ length: 1000 }, (_, i) => `flag-number-${i}`)
    const json = encodeEvent({
      type: 'env-changed',
      env: 'production',
      version: 7,
      upserted,
      deleted: [],
    })
    expect(JSON.parse(json)).toMatchObject({ version: 7, upserted: [], reload: true })
  })
})
