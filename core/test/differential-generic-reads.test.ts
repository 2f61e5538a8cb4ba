import { describe, expect, it } from 'vitest'
import { NAMES, READER_COUNT } from '../src/evaluate/named-readers.js'
import { readerOf } from '../src/evaluate/read-attribute.js'
import { runDirectFlags, runRandomFlags, runSingleClauseRules } from './differential.suite.js'

// The evaluator reads the first READER_COUNT attribute names of a process through named readers
// and later ones generically. Here every reader is taken before any flag compiles, so this file
// runs the differential suite through the generic reads (differential.test.ts runs the named).
describe('differential, with every named reader taken', () => {
  it('leaves no reader for the attributes of the suite', () => {
    for (let i = 0; NAMES.length < READER_COUNT; i++) readerOf([`taken-${i}`])
    expect(readerOf(['country'])).toBe(-1)
  })

  it.each([21, 22])('returns identical details for random flags and contexts (seed %i)', (seed) =>
    runRandomFlags(seed),
  )

  it('returns identical details for flags of plain in rules, through the general path', () =>
    runDirectFlags(51, false))

  it('returns identical details for single-clause rules on every operator', () =>
    runSingleClauseRules(31))
})
