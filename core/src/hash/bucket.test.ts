import { describe, expect, it } from 'vitest'
import { createFlagStore } from '../evaluate/store.js'
import { BUCKET_SCALE, type WireFlag } from '../model/flag.js'
import { bucketValue } from './bucket.js'
import { murmur3 } from './murmur3.js'

function rolloutFlag(key: string, salt: string, weights: number[]): WireFlag {
  return {
    key,
    kind: 'string',
    variations: weights.map((_, i) => `v${i}`),
    clientSide: false,
    version: 1,
    on: true,
    offVariation: 0,
    targets: [],
    rules: [],
    fallthrough: { rollout: { weights } },
    prerequisites: [],
    salt,
  }
}

function pearson(xs: number[], ys: number[]): number {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx
    const dy = ys[i]! - my
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  return sxy / Math.sqrt(sxx * syy)
}

describe('bucketValue', () => {
  // Expected buckets computed with the mmh3 C library: murmur3(salt + '.' + value) % 100000.
  it.each([
    { salt: 'pinned-salt', value: 'user-1', bucket: 14858 },
    { salt: 'pinned-salt', value: 'user-2', bucket: 82376 },
    { salt: 'pinned-salt', value: 'jürgen', bucket: 60642 },
    { salt: 'pinned-salt', value: '😀-user', bucket: 57733 },
    { salt: 'company-salt', value: 'acme', bucket: 61031 },
    { salt: 'abc', value: 'user-1', bucket: 0xaa0aea58 % 100000 },
  ])('puts $value under salt $salt in bucket $bucket', ({ salt, value, bucket }) => {
    expect(bucketValue(`${salt}.`, value)).toBe(bucket)
  })

  it('hashes the salt prefix and value as one string', () => {
    for (let i = 0; i < 200; i++) {
      const value = `ctx-${i}-ü`
      expect(bucketValue('s.', value)).toBe(murmur3(`s.${value}`) % BUCKET_SCALE)
    }
  })

  it('always lands in [0, BUCKET_SCALE)', () => {
    for (let i = 0; i < 10_000; i++) {
      const bucket = bucketValue('range.', `user-${i}`)
      expect(bucket >= 0 && bucket < BUCKET_SCALE && Number.isInteger(bucket)).toBe(true)
    }
  })

  it('keeps every context that had variation 0 at 20% in it at 50% (sticky rollouts)', () => {
    const store = createFlagStore()
    store.put(1, [
      rolloutFlag('at-20', 'sticky', [20_000, 80_000]),
      rolloutFlag('at-50', 'sticky', [50_000, 50_000]),
    ])
    let inAt20 = 0
    for (let i = 0; i < 10_000; i++) {
      const context = { key: `user-${i}` }
      if (store.variation<string>('at-20', context, '') === 'v0') {
        inAt20++
        expect(store.variation('at-50', context, '')).toBe('v0')
      }
    }
    expect(inAt20).toBeGreaterThan(1_800)
    expect(inAt20).toBeLessThan(2_200)
  })

  it('buckets the same keys independently under different salts', () => {
    const a: number[] = []
    const b: number[] = []
    let bothLow = 0
    for (let i = 0; i < 10_000; i++) {
      const x = bucketValue('flag-a.', `user-${i}`)
      const y = bucketValue('flag-b.', `user-${i}`)
      a.push(x)
      b.push(y)
      if (x < 50_000 && y < 50_000) bothLow++
    }
    expect(Math.abs(pearson(a, b))).toBeLessThan(0.05)
    // Independent halves overlap on about a quarter of the keys.
    expect(bothLow / 10_000).toBeGreaterThan(0.23)
    expect(bothLow / 10_000).toBeLessThan(0.27)
  })

  it('splits 100,000 keys 25/75 within one percentage point', () => {
    const store = createFlagStore()
    store.put(1, [rolloutFlag('split', 'distribution', [25_000, 75_000])])
    let first = 0
    for (let i = 0; i < 100_000; i++) {
      if (store.variation<string>('split', { key: `key-${i}` }, '') === 'v0') first++
    }
    expect(Math.abs(first / 100_000 - 0.25)).toBeLessThan(0.01)
  })
})
