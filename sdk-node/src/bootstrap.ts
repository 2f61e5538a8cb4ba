import { readFileSync, statSync } from 'node:fs'
import type { SwitchyardError } from '@switchyard/core'
import { messageOf, sdkError } from './errors.js'
import { isSnapshot, type Snapshot } from './options.js'

export type BootstrapResult =
  { ok: true; snapshot: Snapshot } | { ok: false; error: SwitchyardError }

/**
 * Loads bootstrap data synchronously: a snapshot object as is, or a path to a snapshot JSON file
 * (the body of `GET /sdk/v1/flags`, or a `put` message) of at most `maxBytes`. Never throws.
 */
export function loadBootstrap(source: Snapshot | string, maxBytes: number): BootstrapResult {
  if (typeof source !== 'string') {
    let valid: boolean
    try {
      valid = isSnapshot(source)
    } catch (cause) {
      // why: init() must not throw for a bad bootstrap (a getter or Proxy trap that throws)
      const reason = messageOf(cause)
      return {
        ok: false,
        error: sdkError('BOOTSTRAP_FAILED', `Cannot read the bootstrap object: ${reason}`, cause),
      }
    }
    if (valid) return { ok: true, snapshot: source }
    return {
      ok: false,
      error: sdkError(
        'BOOTSTRAP_FAILED',
        'Bootstrap object is not a snapshot { version, flags: [...], segments?: [...] }',
      ),
    }
  }
  let parsed: unknown
  try {
    // why: a device or FIFO (/dev/zero, a pipe) would be read without end, and a huge file
    // would be read whole before anything could refuse it
    const stat = statSync(source)
    if (!stat.isFile()) throw new Error('not a regular file')
    if (stat.size > maxBytes) {
      throw new Error(`${stat.size} bytes, larger than maxMessageBytes (${maxBytes})`)
    }
    parsed = JSON.parse(readFileSync(source, 'utf8'))
  } catch (cause) {
    const reason = messageOf(cause)
    return {
      ok: false,
      error: sdkError('BOOTSTRAP_FAILED', `Cannot read bootstrap file ${source}: ${reason}`, cause),
    }
  }
  if (!isSnapshot(parsed)) {
    return {
      ok: false,
      error: sdkError(
        'BOOTSTRAP_FAILED',
        `Bootstrap file ${source} is not a snapshot { version, flags: [...], segments?: [...] }`,
      ),
    }
  }
  const { version, flags, segments } = parsed
  const snapshot = segments === undefined ? { version, flags } : { version, flags, segments }
  return { ok: true, snapshot }
}
