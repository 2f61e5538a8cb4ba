import { describe, expect, it } from 'vitest'
import { serializeError } from './logger.js'

describe('serializeError', () => {
  it('keeps query parameters (secrets among them) out of the log', () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
    })
    const error = Object.assign(
      new Error('Failed query: insert into "webhooks" values ($1)\nparams: SUPER-SECRET-KEY'),
      { cause, params: ['SUPER-SECRET-KEY'] },
    )
    error.name = 'DrizzleQueryError'
    const logged = JSON.stringify(serializeError(error))
    expect(logged).not.toContain('SUPER-SECRET-KEY')
    expect(logged).toContain('23505')
  })
})
