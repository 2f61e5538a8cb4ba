import { describe, expect, it } from 'vitest'
import { createFlagStore, type Context } from '@switchyard/core'
import { loadVectors } from './vectors.js'

const files = loadVectors()

describe('test vectors', () => {
  it('lists at least 40 cases across the vector files', () => {
    const count = files.reduce((sum, file) => sum + file.cases.length, 0)
    expect(count).toBeGreaterThanOrEqual(40)
  })

  describe.each(files.map((file) => ({ label: `${file.file} (${file.name})`, file })))(
    '$label',
    ({ file }) => {
      const store = createFlagStore()
      store.put(1, file.flags)

      it.each(file.cases.map((c) => ({ label: c.description, c })))('$label', ({ c }) => {
        const fallback = c.fallback === undefined ? null : c.fallback
        const context = c.context as unknown as Context
        const detail = store.variationDetail(c.flag, context, fallback)
        expect(detail).toStrictEqual(c.expected)
        expect(store.variation(c.flag, context, fallback)).toEqual(c.expected.value)
      })
    },
  )
})
