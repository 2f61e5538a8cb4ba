import { createFlagStore, type WireFlag, type WireSegment } from '@switchyard/core'
import { describe, expect, it } from 'vitest'
import { boolFlag, keySegment, segmentFlag } from '../test/fake-server.js'
import { changedFlags, copyWire, flagsUsingSegment } from './changes.js'

interface Data {
  flags: WireFlag[]
  segments?: WireSegment[]
}

const BASE: Data = {
  flags: [
    boolFlag('plain', true),
    segmentFlag('beta-checkout', ['beta']),
    segmentFlag('beta-or-staff', ['beta', 'staff']),
    segmentFlag('vip-lounge', ['vip']),
  ],
  segments: [keySegment('beta', ['alice']), keySegment('staff', ['carol'])],
}

function changesOfPut(before: Data, after: Data): string[] {
  const store = createFlagStore()
  store.put(1, before.flags, before.segments)
  const copy = copyWire(store)
  store.put(2, after.flags, after.segments)
  return [...changedFlags(store, copy)]
}

function replace(flags: WireFlag[], flag: WireFlag): WireFlag[] {
  return flags.map((f) => (f.key === flag.key ? flag : f))
}

describe('changedFlags', () => {
  it.each([
    { label: 'nothing for the same data', after: BASE, expected: [] },
    {
      label: 'nothing for the same flags and segments in another order',
      after: { flags: [...BASE.flags].reverse(), segments: [...BASE.segments!].reverse() },
      expected: [],
    },
    {
      label: 'a flag whose JSON differs',
      after: { ...BASE, flags: replace(BASE.flags, boolFlag('plain', false, 2)) },
      expected: ['plain'],
    },
    {
      label: 'an added flag',
      after: { ...BASE, flags: [...BASE.flags, boolFlag('added', true)] },
      expected: ['added'],
    },
    {
      label: 'a removed flag, after the flags still held',
      after: {
        ...BASE,
        flags: replace(BASE.flags, boolFlag('plain', false, 2)).filter(
          (f) => f.key !== 'beta-checkout',
        ),
      },
      expected: ['plain', 'beta-checkout'],
    },
    {
      label: 'every flag that uses a changed segment',
      after: { ...BASE, segments: [keySegment('beta', ['alice', 'bob'], 2), BASE.segments![1]!] },
      expected: ['beta-checkout', 'beta-or-staff'],
    },
    {
      label: 'the flags that use a removed segment',
      after: { ...BASE, segments: [BASE.segments![0]!] },
      expected: ['beta-or-staff'],
    },
    {
      label: 'a flag that referred to a segment before it existed',
      after: { ...BASE, segments: [...BASE.segments!, keySegment('vip', ['bob'])] },
      expected: ['vip-lounge'],
    },
    {
      label: 'each flag once when both it and its segment changed',
      after: {
        flags: replace(BASE.flags, segmentFlag('beta-checkout', ['beta'], 2)),
        segments: [keySegment('beta', ['bob'], 2), BASE.segments![1]!],
      },
      expected: ['beta-checkout', 'beta-or-staff'],
    },
    {
      label: 'every flag when a put empties the environment',
      after: { flags: [] },
      expected: ['plain', 'beta-checkout', 'beta-or-staff', 'vip-lounge'],
    },
  ])('reports $label', ({ after, expected }) => {
    expect(changesOfPut(BASE, after)).toEqual(expected)
  })
})

describe('flagsUsingSegment', () => {
  it('lists the flags whose rules refer to the segment, in the store order', () => {
    const store = createFlagStore()
    store.put(1, BASE.flags, BASE.segments)
    expect(flagsUsingSegment(store, 'beta')).toEqual(['beta-checkout', 'beta-or-staff'])
    expect(flagsUsingSegment(store, 'vip')).toEqual(['vip-lounge'])
    expect(flagsUsingSegment(store, 'unused')).toEqual([])
  })
})
