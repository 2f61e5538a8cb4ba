import { describe, expect, it } from 'vitest'
import { compareRegistersTo, parseSemVer, parseSemVerRegisters } from './semver.js'

function compare(a: string, b: string): number {
  const right = parseSemVer(b)
  if (right === null || !parseSemVerRegisters(a)) throw new Error(`not versions: ${a}, ${b}`)
  return compareRegistersTo(right)
}

describe('parseSemVer', () => {
  it.each([
    { text: '1.2.3', major: 1, minor: 2, patch: 3, prerelease: '' },
    { text: '0.0.0', major: 0, minor: 0, patch: 0, prerelease: '' },
    { text: 'v1.2.3', major: 1, minor: 2, patch: 3, prerelease: '' },
    { text: '1', major: 1, minor: 0, patch: 0, prerelease: '' },
    { text: '1.2', major: 1, minor: 2, patch: 0, prerelease: '' },
    { text: '1.2-rc.1', major: 1, minor: 2, patch: 0, prerelease: 'rc.1' },
    { text: '1.2.3-alpha.1+build.5', major: 1, minor: 2, patch: 3, prerelease: 'alpha.1' },
    { text: '1.2.3+build.007', major: 1, minor: 2, patch: 3, prerelease: '' },
    { text: '1.0.0-0a.x-y-z--', major: 1, minor: 0, patch: 0, prerelease: '0a.x-y-z--' },
    { text: '9007199254740991.0.0', major: 9007199254740991, minor: 0, patch: 0, prerelease: '' },
  ])('parses $text', ({ text, ...expected }) => {
    expect(parseSemVer(text)).toEqual(expected)
  })

  it.each([
    '',
    'v',
    'V1.2.3',
    ' 1.2.3',
    '1.2.3 ',
    '=1.2.3',
    '01.2.3',
    '1.02.3',
    '1.2.03',
    '1.2.3.4',
    '1.',
    '1..3',
    '1.2.3-',
    '1.2.3-rc..1',
    '1.2.3-rc.01',
    '1.2.3-rc_1',
    '1.2.3+',
    '1.2.3+a..b',
    '1.2.3+ü',
    '-1.2.3',
    '9007199254740992.0.0',
    '١.٢.٣',
  ])('rejects %j', (text) => {
    expect(parseSemVer(text)).toBeNull()
    expect(parseSemVerRegisters(text)).toBe(false)
  })
})

describe('compareRegistersTo', () => {
  // semver.org section 11, in ascending order
  const ascending = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '1.10.0',
    '2.0.0',
  ]

  it('orders the semver.org precedence example exactly', () => {
    for (let i = 0; i < ascending.length; i++) {
      for (let j = 0; j < ascending.length; j++) {
        const expected = Math.sign(i - j)
        expect(compare(ascending[i]!, ascending[j]!), `${ascending[i]} vs ${ascending[j]}`).toBe(
          expected,
        )
      }
    }
  })

  it.each([
    { a: '1.0.0+a', b: '1.0.0+b', order: 0 },
    { a: 'v1', b: '1.0.0', order: 0 },
    { a: '1.0.0-1', b: '1.0.0-alpha', order: -1 },
    { a: '1.0.0-9', b: '1.0.0-10', order: -1 },
    { a: '1.0.0-a', b: '1.0.0-B', order: 1 },
    { a: '1.0.0-rc.99999999999999999999', b: '1.0.0-rc.99999999999999999998', order: 1 },
    { a: '1.0.0-alpha-1', b: '1.0.0-alpha', order: 1 },
  ])('orders $a against $b as $order', ({ a, b, order }) => {
    expect(compare(a, b)).toBe(order)
  })
})
