import { describe, expect, it } from 'vitest'
import { createFlagStore, type Context } from '@switchyard/core'
import { referenceVariationDetail } from './reference-evaluator.js'
import { loadVectors } from './vectors.js'

const files = loadVectors()

describe('test vectors', () => {
  it('lists at least 150 cases across the vector files', () => {
    const count = files.reduce((sum, file) => sum + file.cases.length, 0)
    expect(count).toBeGreaterThanOrEqual(150)
  })

  it('agree with the reference evaluator on every case', () => {
    for (const file of files) {
      for (const c of file.cases) {
        const fallback = c.fallback === undefined ? null : c.fallback
        const { flags, segments } = file
        const detail = referenceVariationDetail(flags, c.flag, c.context, fallback, segments)
        expect(detail, `${file.file}: ${c.description}`).toStrictEqual(c.expected)
      }
    }
  })

  describe.each(files.map((file) => ({ label: `${file.file} (${file.name})`, file })))(
    '$label',
    ({ file }) => {
      const store = createFlagStore()
      store.put(1, file.flags, file.segments)

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
