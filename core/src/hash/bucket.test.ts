import { describe, expect, it } from 'vitest'
import { createFlagStore } from '../evaluate/store.js'
import { BUCKET_SCALE, type WireFlag } from '../model/flag.js'
import type { WireSegment } from '../model/segment.js'
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

function segmentFlag(key: string, segmentKey: string): WireFlag {
  return {
    ...rolloutFlag(key, `${key}-salt`, [0, BUCKET_SCALE]),
    rules: [
      {
        id: 'in-segment',
        clauses: [{ attribute: 'key', op: 'segmentMatch', values: [segmentKey], negate: false }],
        serve: { variation: 0 },
      },
    ],
    fallthrough: { variation: 1 },
  }
}

function weightedSegment(key: string, weight: number): WireSegment {
  return {
    key,
    version: 1,
    included: [],
    excluded: [],
    rules: [{ id: 'sample', clauses: [], weight }],
    salt: 'segment-sample',
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

  it('serves the same variation to the same context on every call and after a new put', () => {
    const flags = [rolloutFlag('three-way', 'determinism', [33_000, 33_000, 34_000])]
    const first = createFlagStore()
    first.put(1, flags)
    const again = createFlagStore()
    again.put(2, structuredClone(flags))
    for (let i = 0; i < 5_000; i++) {
      const context = { key: `user-${i}` }
      const served = first.variationDetail('three-way', context, '').variationIndex
      expect(first.variationDetail('three-way', context, '').variationIndex).toBe(served)
      expect(again.variationDetail('three-way', { key: `user-${i}` }, '').variationIndex).toBe(
        served,
      )
    }
  })

  it('never moves a context out of variation 0 while its weight rises in 5% steps', () => {
    const store = createFlagStore()
    const steps: string[] = []
    const flags: WireFlag[] = []
    for (let weight = 0; weight <= BUCKET_SCALE; weight += 5_000) {
      steps.push(`ramp-${weight}`)
      // the remainder moves between the other two variations, which must not matter
      const rest = BUCKET_SCALE - weight
      const second = Math.floor(rest / 3)
      flags.push(rolloutFlag(`ramp-${weight}`, 'ramp', [weight, second, rest - second]))
    }
    store.put(1, flags)
    for (let i = 0; i < 5_000; i++) {
      const context = { key: `user-${i}` }
      let inside = false
      for (const key of steps) {
        const now = store.variation<string>(key, context, '') === 'v0'
        if (inside) expect(now, `${context.key} left v0 at ${key}`).toBe(true)
        inside = now
      }
      expect(inside).toBe(true) // at 100% everyone is in
    }
  })

  it('never moves a context out of a weighted segment rule while its weight rises', () => {
    const store = createFlagStore()
    const weights = [0, 1_000, 10_000, 25_000, 50_000, 99_999, 100_000]
    store.put(
      1,
      weights.map((w) => segmentFlag(`uses-${w}`, `sample-${w}`)),
      weights.map((w) => weightedSegment(`sample-${w}`, w)),
    )
    const counts = weights.map(() => 0)
    for (let i = 0; i < 20_000; i++) {
      const context = { key: `user-${i}` }
      let inside = false
      weights.forEach((w, step) => {
        const now = store.variation<string>(`uses-${w}`, context, '') === 'v0'
        if (inside) expect(now, `${context.key} left the segment at weight ${w}`).toBe(true)
        if (now) counts[step]!++
        inside = now
      })
    }
    expect(counts[0]).toBe(0)
    expect(counts.at(-1)).toBe(20_000)
    expect(Math.abs(counts[4]! / 20_000 - 0.5)).toBeLessThan(0.02)
  })

  it('buckets two flags with different salts independently', () => {
    const store = createFlagStore()
    store.put(1, [
      rolloutFlag('flag-a', 'salt-a', [50_000, 50_000]),
      rolloutFlag('flag-b', 'salt-b', [50_000, 50_000]),
    ])
    let inA = 0
    let inBoth = 0
    for (let i = 0; i < 20_000; i++) {
      const context = { key: `user-${i}` }
      const a = store.variation<string>('flag-a', context, '') === 'v0'
      const b = store.variation<string>('flag-b', context, '') === 'v0'
      if (a) inA++
      if (a && b) inBoth++
    }
    // Independent: half of flag-a's v0 contexts are in flag-b's v0 too.
    expect(Math.abs(inBoth / inA - 0.5)).toBeLessThan(0.02)
  })

  it('puts each of four variations within one point of its weight over 100,000 keys', () => {
    const weights = [10_000, 20_000, 30_000, 40_000]
    const store = createFlagStore()
    store.put(1, [rolloutFlag('four-way', 'distribution-4', weights)])
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 100_000; i++) {
      const index = store.variationDetail('four-way', { key: `key-${i}` }, '').variationIndex
      counts[index!]!++
    }
    weights.forEach((weight, i) => {
      expect(Math.abs(counts[i]! / 100_000 - weight / BUCKET_SCALE), `v${i}`).toBeLessThan(0.01)
    })
  })

  it('admits a weighted segment rule share within one percentage point over 100,000 keys', () => {
    const store = createFlagStore()
    store.put(1, [segmentFlag('uses-sample', 'sample')], [weightedSegment('sample', 30_000)])
    let members = 0
    for (let i = 0; i < 100_000; i++) {
      if (store.variation<string>('uses-sample', { key: `key-${i}` }, '') === 'v0') members++
    }
    expect(Math.abs(members / 100_000 - 0.3)).toBeLessThan(0.01)
  })
})
