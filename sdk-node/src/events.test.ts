import { describe, expect, it, vi } from 'vitest'
import { Emitter } from './events.js'
import { createSilentLogger } from './logger.js'

describe('Emitter', () => {
  it('calls listeners in order and stops calling removed ones', () => {
    const emitter = new Emitter(createSilentLogger())
    const calls: string[] = []
    const first = (): void => void calls.push('first')
    emitter.on('change', first)
    emitter.on('change', ({ key }) => calls.push(key))

    emitter.emit('change', { key: 'a', version: 1 })
    emitter.off('change', first)
    emitter.emit('change', { key: 'b', version: 2 })

    expect(calls).toEqual(['first', 'a', 'b'])
  })

  it('logs a throwing listener and still calls the others', () => {
    const logger = { ...createSilentLogger(), error: vi.fn() }
    const emitter = new Emitter(logger)
    const after = vi.fn()
    emitter.on('ready', () => {
      throw new Error('boom')
    })
    emitter.on('ready', after)

    emitter.emit('ready', { version: 1 })

    expect(after).toHaveBeenCalledOnce()
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining("'ready' listener threw"),
      expect.any(Error),
    )
  })

  it('logs an async listener that rejects instead of leaving an unhandled rejection', async () => {
    const logger = { ...createSilentLogger(), error: vi.fn() }
    const emitter = new Emitter(logger)
    const after = vi.fn()
    emitter.on('change', async () => {
      await Promise.resolve()
      throw new Error('async boom')
    })
    emitter.on('change', after)

    emitter.emit('change', { key: 'a', version: 1 })
    await new Promise((resolve) => setImmediate(resolve))

    expect(after).toHaveBeenCalledOnce()
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining("'change' listener threw"),
      expect.objectContaining({ message: 'async boom' }),
    )
  })

  it('does not throw when an error is emitted with no listener', () => {
    const emitter = new Emitter(createSilentLogger())
    expect(() => emitter.emit('error', new Error('x') as never)).not.toThrow()
  })

  it('removes a once listener with off before it runs', () => {
    const emitter = new Emitter(createSilentLogger())
    const listener = vi.fn()
    emitter.once('change', listener)
    emitter.off('change', listener)

    emitter.emit('change', { key: 'a', version: 1 })

    expect(listener).not.toHaveBeenCalled()
    expect(emitter.listenerCount('change')).toBe(0)
  })

  it('runs a once listener a single time', () => {
    const emitter = new Emitter(createSilentLogger())
    const listener = vi.fn()
    emitter.once('ready', listener)
    emitter.emit('ready', { version: 1 })
    emitter.emit('ready', { version: 2 })
    expect(listener).toHaveBeenCalledOnce()
  })
})

describe('Emitter while emitting', () => {
  it('applies listeners added or removed by a listener from the next emit on', () => {
    const emitter = new Emitter(createSilentLogger())
    const calls: string[] = []
    const late = (): void => void calls.push('late')
    const second = (): void => void calls.push('second')
    emitter.on('change', () => {
      calls.push('first')
      emitter.off('change', second)
      emitter.on('change', late)
    })
    emitter.on('change', second)

    emitter.emit('change', { key: 'a', version: 1 })
    emitter.emit('change', { key: 'a', version: 2 })

    expect(calls).toEqual(['first', 'second', 'first', 'late'])
  })

  it('registers a listener added twice once', () => {
    const emitter = new Emitter(createSilentLogger())
    const listener = vi.fn()
    emitter.on('ready', listener)
    emitter.on('ready', listener)
    emitter.emit('ready', { version: 1 })
    expect(listener).toHaveBeenCalledOnce()
    expect(emitter.listenerCount('ready')).toBe(1)
  })
})
