import { describe, expect, it } from 'vitest'
import { murmur3 } from '@switchyard/core'
import { createRandom } from './random.js'
import { referenceMurmur3 } from './reference-evaluator.js'
import { runDirectFlags, runRandomFlags, runSingleClauseRules } from './differential.suite.js'

describe('differential: compiled evaluator vs reference evaluator', () => {
  it('agrees with the reference murmur3 on random strings', () => {
    const r = createRandom(7)
    const alphabet = ['a', 'Z', '0', '.', ' ', 'é', 'ß', '日', '😀', '\ud800', '\udc00', '\u0000']
    for (let i = 0; i < 5_000; i++) {
      let s = ''
      for (let j = r.int(0, 24); j > 0; j--) s += r.pick(alphabet)
      const seed = r.int(0, 0xffffffff)
      expect(murmur3(s, seed), JSON.stringify(s)).toBe(referenceMurmur3(s, seed))
    }
  })

  it.each([1, 2, 3, 4, 5])(
    'returns identical details for random flags and contexts (seed %i)',
    (seed) => runRandomFlags(seed),
  )

  it.each([41, 42, 43])(
    'returns identical details for flags of plain in rules, through the program plan (seed %i)',
    (seed) => runDirectFlags(seed, true),
  )

  it.each([11, 12, 13])(
    'returns identical details for single-clause rules on every operator (seed %i)',
    (seed) => runSingleClauseRules(seed),
  )
})
