import { describe, expect, it } from 'vitest'
import { checkPattern, unsafePatternErrors } from './pattern-safety.js'

const matches = (...values: string[]) => ({ op: 'matches', values })

describe('checkPattern', () => {
  it.each(['^(a+)+$', '(x+x+)+y', '(a|a)*b', '(.*a){12}', '(\\w+\\s?)+$', '^(a|aa)+$'])(
    'refuses %s',
    (pattern) => {
      expect(checkPattern(pattern).safe).toBe(false)
    },
  )

  it.each([
    '^[a-z0-9._%+-]+@example\\.com$',
    '^/api/v[0-9]+/',
    '\\.(png|jpe?g)$',
    'iPhone|iPad|Android',
    '^(dev|staging|prod)$',
    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  ])('accepts %s', (pattern) => {
    expect(checkPattern(pattern)).toEqual({ safe: true })
  })

  it('refuses a pattern it cannot clear in time, saying so', () => {
    const verdict = checkPattern('(a|a)*b', 1)
    expect(verdict).toEqual({ safe: false, message: expect.stringContaining('within 1 ms') })
  })

  it('refuses a pattern the checker cannot read, saying so', () => {
    const verdict = checkPattern('(?<y>a)\\k<y>')
    expect(verdict).toEqual({
      safe: false,
      message: expect.stringContaining('could not be checked'),
    })
  })
})

describe('unsafePatternErrors', () => {
  it('names each unsafe pattern by its path, and leaves other operators alone', () => {
    const errors = unsafePatternErrors([
      { clauses: [matches('^ok$')] },
      { clauses: [{ op: 'in', values: ['^(a+)+$'] }, matches('^fine', '^(a+)+$')] },
    ])
    expect(errors).toEqual([
      { path: 'rules.1.clauses.1.values.1', code: 'unsafe_pattern', message: expect.any(String) },
    ])
  })

  it('leaves patterns that do not compile to the compiler', () => {
    expect(unsafePatternErrors([{ clauses: [matches('(open')] }])).toEqual([])
  })

  it('does not check again what the flag or segment already holds', () => {
    const held = [{ clauses: [matches('^(a+)+$')] }]
    expect(unsafePatternErrors([{ clauses: [matches('x', '^(a+)+$')] }], held)).toEqual([])
  })

  it('refuses the patterns left once a write has spent its checking time', () => {
    let clock = 0
    const errors = unsafePatternErrors(
      [{ clauses: [matches('^a$', '^b$', '^c$', '^b$')] }],
      [],
      () => (clock += 1500),
    )
    expect(errors).toEqual([
      {
        path: 'rules.0.clauses.0.values.1',
        code: 'unsafe_pattern',
        message: expect.stringContaining('this and 2 more new pattern(s) were not checked'),
      },
    ])
  })
})
