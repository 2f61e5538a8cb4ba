import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NAMES, READER_COUNT } from './named-readers.js'
import { readAttribute, readAttributeWith, readerOf } from './read-attribute.js'

/** Reads `attribute` both ways: through its named reader and generically. */
function readBoth(context: object, attribute: string): { named: unknown; generic: unknown } {
  const path = attribute.split('.')
  const reader = readerOf(path)
  expect(reader).toBeGreaterThanOrEqual(0)
  return { named: readAttributeWith(context, path, reader), generic: readAttribute(context, path) }
}

class User {
  declare plan: string
  constructor(
    public key: string,
    public country: string,
  ) {}
  get tier(): string {
    return 'gold'
  }
}
User.prototype.plan = 'inherited'

describe('readAttributeWith', () => {
  it.each([
    {
      label: 'an own property',
      context: { key: 'u', country: 'NL' },
      attribute: 'country',
      want: 'NL',
    },
    { label: 'a missing property', context: { key: 'u' }, attribute: 'country', want: undefined },
    {
      label: 'an own undefined',
      context: { key: 'u', country: undefined },
      attribute: 'country',
      want: undefined,
    },
    {
      label: 'an own null',
      context: { key: 'u', country: null },
      attribute: 'country',
      want: null,
    },
    {
      label: 'a nested path',
      context: { key: 'u', device: { os: 'ios' } },
      attribute: 'device.os',
      want: 'ios',
    },
    {
      label: 'a path through an array',
      context: { key: 'u', device: [{ os: 'ios' }] },
      attribute: 'device.0.os',
      want: undefined,
    },
    {
      label: 'an Object.prototype method',
      context: { key: 'u' },
      attribute: 'toString',
      want: undefined,
    },
    {
      label: 'an own property shadowing one',
      context: { key: 'u', toString: 'own' },
      attribute: 'toString',
      want: 'own',
    },
    {
      label: 'the __proto__ accessor',
      context: { key: 'u' },
      attribute: '__proto__',
      want: undefined,
    },
    {
      label: 'an own __proto__ (from JSON)',
      context: JSON.parse('{"key":"u","__proto__":"x"}') as object,
      attribute: '__proto__',
      want: 'x',
    },
    {
      label: 'a null-prototype object',
      context: Object.assign(Object.create(null) as object, { key: 'u', country: 'NL' }),
      attribute: 'country',
      want: 'NL',
    },
    {
      label: "a class instance's own field",
      context: new User('u', 'DE'),
      attribute: 'country',
      want: 'DE',
    },
    {
      label: "a class instance's prototype value",
      context: new User('u', 'DE'),
      attribute: 'plan',
      want: undefined,
    },
    {
      label: "a class instance's prototype getter",
      context: new User('u', 'DE'),
      attribute: 'tier',
      want: undefined,
    },
    {
      label: 'an array context',
      context: Object.assign(['x'], { key: 'u', country: 'NL' }),
      attribute: 'country',
      want: undefined,
    },
  ])('reads $label as the generic read does', ({ context, attribute, want }) => {
    const { named, generic } = readBoth(context, attribute)
    expect(named).toBe(want)
    expect(generic).toBe(want)
  })

  it('never serves a value planted on Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>
    const context = { key: 'u' }
    const before = readBoth(context, 'pollutedCountry')
    proto.pollutedCountry = 'NL'
    try {
      expect({ key: 'u', pollutedCountry: 'own' }.pollutedCountry).toBe('own')
      expect(readBoth(context, 'pollutedCountry')).toStrictEqual({
        named: undefined,
        generic: undefined,
      })
      expect(readBoth({ key: 'u', pollutedCountry: 'own' }, 'pollutedCountry').named).toBe('own')
    } finally {
      delete proto.pollutedCountry
    }
    expect(before).toStrictEqual({ named: undefined, generic: undefined })
  })

  it("reads a Proxy through its get trap and asks its getOwnPropertyDescriptor trap only when it is not a plain object's", () => {
    const seen: string[] = []
    const plain = new Proxy({ key: 'u', country: 'NL' } as Record<string, unknown>, {
      get(target, name) {
        seen.push(`get ${String(name)}`)
        return target[name as string]
      },
    })
    expect(readBoth(plain, 'country')).toStrictEqual({ named: 'NL', generic: 'NL' })
    expect(seen).toContain('get country')
    const classless = new Proxy(Object.assign(Object.create(null) as object, { country: 'NL' }), {
      getOwnPropertyDescriptor() {
        throw new Error('boom')
      },
    })
    const path = ['country']
    expect(() => readAttributeWith(classless, path, readerOf(path))).toThrow('boom')
  })

  it('reads names past the first READER_COUNT generically, with the same results', () => {
    const extra: string[] = []
    for (let i = 0; NAMES.length < READER_COUNT; i++) {
      extra.push(`filler${i}`)
      readerOf([`filler${i}`])
    }
    expect(readerOf(['one-name-too-many'])).toBe(-1)
    const context = { key: 'u', 'one-name-too-many': 'yes', [extra[0] ?? 'filler0']: 'first' }
    expect(readAttributeWith(context, ['one-name-too-many'], -1)).toBe('yes')
    expect(readAttributeWith({ key: 'u' }, ['one-name-too-many'], -1)).toBeUndefined()
    // every registered name still reads through its own reader
    for (const name of NAMES) {
      const reader = readerOf([name])
      expect(NAMES[reader]).toBe(name)
      expect(readAttributeWith({ key: 'u', [name]: name }, [name], reader)).toBe(name)
      expect(readAttributeWith({ key: 'u' }, [name], reader)).toBeUndefined()
    }
  })

  it('is the file the generator writes', async () => {
    const script = new URL('../../scripts/generate-named-readers.mjs', import.meta.url).href
    const generator = (await import(script)) as { namedReadersSource(): string; TARGET: string }
    expect(readFileSync(generator.TARGET, 'utf8')).toBe(generator.namedReadersSource())
  })
})
