import { describe, expect, it } from 'vitest'
import { toSwitchyardContext } from './context.js'

describe('toSwitchyardContext', () => {
  it('makes targetingKey the key and passes every other attribute through', () => {
    const context = { targetingKey: 'user-1', country: 'DE', plan: { tier: 2 }, tags: ['a'] }
    expect(toSwitchyardContext(context)).toStrictEqual({
      key: 'user-1',
      country: 'DE',
      plan: { tier: 2 },
      tags: ['a'],
    })
  })

  it('lets targetingKey win over a key attribute', () => {
    expect(toSwitchyardContext({ targetingKey: 'user-1', key: 'other' })).toStrictEqual({
      key: 'user-1',
    })
  })

  it('reads a string key attribute as the key when there is no targetingKey, as OFREP does', () => {
    expect(toSwitchyardContext({ key: 'user-1', country: 'DE' })).toStrictEqual({
      key: 'user-1',
      country: 'DE',
    })
  })

  it('gives no key without a targetingKey or a key attribute', () => {
    expect(toSwitchyardContext({ country: 'DE' })).toStrictEqual({ country: 'DE' })
  })

  it('turns Dates into ISO strings, nested ones too, and an invalid Date into null', () => {
    const at = new Date('2026-03-01T12:30:00.000Z')
    const context = {
      targetingKey: 'u',
      signedUp: at,
      history: [{ at }, 'x'],
      broken: new Date(Number.NaN),
    }
    expect(toSwitchyardContext(context)).toStrictEqual({
      key: 'u',
      signedUp: '2026-03-01T12:30:00.000Z',
      history: [{ at: '2026-03-01T12:30:00.000Z' }, 'x'],
      broken: null,
    })
    expect(context.signedUp).toBe(at)
    expect(context.history[0]).toStrictEqual({ at })
  })

  it('keeps nested objects without Dates as they are', () => {
    const plan = { tier: 2 }
    expect(toSwitchyardContext({ targetingKey: 'u', plan }).plan).toBe(plan)
  })

  it('keeps an attribute named __proto__ an attribute', () => {
    const context = JSON.parse('{"targetingKey":"u","__proto__":{"admin":true}}')
    const converted = toSwitchyardContext(context)
    expect(Object.getPrototypeOf(converted)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(converted, '__proto__')?.value).toEqual({ admin: true })
  })

  it('leaves a frozen context untouched', () => {
    const context = Object.freeze({ targetingKey: 'u', at: new Date(0) })
    expect(toSwitchyardContext(context)).toStrictEqual({ key: 'u', at: '1970-01-01T00:00:00.000Z' })
  })
})
