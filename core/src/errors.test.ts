import { describe, expect, it } from 'vitest'
import { SwitchyardError, isSwitchyardError } from './errors.js'

describe('SwitchyardError', () => {
  it('carries a code, a name, a message and a cause', () => {
    const cause = new Error('socket hang up')
    const error = new SwitchyardError('STREAM_FAILED', 'Stream failed: wss://x/sdk/v1/stream', {
      cause,
    })
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe('STREAM_FAILED')
    expect(error.name).toBe('SwitchyardError')
    expect(error.message).toBe('Stream failed: wss://x/sdk/v1/stream')
    expect(error.cause).toBe(cause)
  })

  it('is recognised by isSwitchyardError, subclasses included', () => {
    class TimeoutError extends SwitchyardError {
      constructor() {
        super('NOT_READY', 'not ready in time')
        this.name = 'TimeoutError'
      }
    }
    expect(isSwitchyardError(new SwitchyardError('INVALID_ARGUMENT', 'bad'))).toBe(true)
    expect(isSwitchyardError(new TimeoutError())).toBe(true)
  })

  it('recognises an error from another copy of the package by its brand', () => {
    class ForeignCopy extends Error {
      readonly code = 'NOT_READY'
    }
    Object.defineProperty(ForeignCopy.prototype, Symbol.for('switchyard.error'), { value: true })
    expect(isSwitchyardError(new ForeignCopy('x'))).toBe(true)
  })

  it('rejects anything without the brand', () => {
    const lookalike = Object.assign(new Error('x'), { code: 'NOT_READY', name: 'SwitchyardError' })
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom')
        },
      },
    )
    for (const value of [lookalike, new Error('x'), null, undefined, 'SwitchyardError', hostile]) {
      expect(isSwitchyardError(value)).toBe(false)
    }
  })
})
