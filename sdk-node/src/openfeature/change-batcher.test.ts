import { describe, expect, it } from 'vitest'
import { ChangeBatcher, type ChangeBatch } from './change-batcher.js'

function record(): { batches: ChangeBatch[]; batcher: ChangeBatcher } {
  const batches: ChangeBatch[] = []
  return { batches, batcher: new ChangeBatcher((batch) => batches.push(batch)) }
}

describe('ChangeBatcher', () => {
  it('hands on the changes of one version as one batch, after the synchronous work', async () => {
    const { batches, batcher } = record()
    batcher.add({ key: 'a', version: 7 })
    batcher.add({ key: 'b', version: 7 })
    batcher.add({ key: 'a', version: 7 })
    expect(batches).toEqual([])
    await Promise.resolve()
    expect(batches).toEqual([{ flagKeys: ['a', 'b'], version: 7 }])
  })

  it('closes a batch when a change of another version comes', async () => {
    const { batches, batcher } = record()
    batcher.add({ key: 'a', version: 7 })
    batcher.add({ key: 'b', version: 8 })
    expect(batches).toEqual([{ flagKeys: ['a'], version: 7 }])
    await Promise.resolve()
    expect(batches).toEqual([
      { flagKeys: ['a'], version: 7 },
      { flagKeys: ['b'], version: 8 },
    ])
  })

  it('starts a new batch for changes after the last one was handed on', async () => {
    const { batches, batcher } = record()
    batcher.add({ key: 'a', version: 7 })
    await Promise.resolve()
    batcher.add({ key: 'a', version: 8 })
    await Promise.resolve()
    expect(batches).toEqual([
      { flagKeys: ['a'], version: 7 },
      { flagKeys: ['a'], version: 8 },
    ])
  })

  it('drops the pending batch on clear', async () => {
    const { batches, batcher } = record()
    batcher.add({ key: 'a', version: 7 })
    batcher.clear()
    await Promise.resolve()
    expect(batches).toEqual([])
  })
})
