import type { WireFlag, WireSegment } from '@switchyard/core'
import { isSnapshot } from './options.js'

/**
 * A message from the stream, checked: what it carries, or why it cannot be used. Only the
 * envelope is checked (versions, keys, shapes); the store checks the flags and segments.
 */
export type StreamMessage =
  | { kind: 'put'; version: number; flags: WireFlag[]; segments: WireSegment[] | undefined }
  | { kind: 'patch'; version: number; flag: WireFlag }
  | { kind: 'patch-segment'; version: number; segment: WireSegment }
  | { kind: 'delete'; version: number; key: string }
  | { kind: 'delete-segment'; version: number; key: string }
  /** `time` and `version` are null when absent or not numbers. */
  | { kind: 'ping'; time: number | null; version: number | null }
  /** A message type this SDK does not know (a newer server's). */
  | { kind: 'unknown'; type: string }
  /** A put that is not a snapshot. */
  | { kind: 'malformed-put' }
  /** Anything else that cannot be used; `what` completes "Stream sent …". */
  | { kind: 'invalid'; what: string }

/** Parses and checks one text message (null for a binary one); never throws. */
export function parseStreamMessage(text: string | null): StreamMessage {
  let message: unknown
  try {
    message = text === null ? undefined : JSON.parse(text)
  } catch {
    message = undefined
  }
  if (typeof message !== 'object' || message === null || !('type' in message)) {
    return { kind: 'invalid', what: 'a message that is not a JSON object with a type' }
  }
  const m = message as Record<string, unknown>
  switch (m.type) {
    case 'put':
      if (!isSnapshot(m)) return { kind: 'malformed-put' }
      return { kind: 'put', version: m.version, flags: m.flags, segments: m.segments }
    case 'patch': {
      // A patch carries exactly one of `flag` and `segment`.
      const isFlag = m.flag !== undefined
      const item = (isFlag ? m.flag : m.segment) as { key?: unknown } | null | undefined
      if (
        !isVersion(m.version) ||
        isFlag === (m.segment !== undefined) ||
        typeof item !== 'object' ||
        typeof item?.key !== 'string'
      ) {
        return { kind: 'invalid', what: 'a malformed patch' }
      }
      return isFlag
        ? { kind: 'patch', version: m.version, flag: item as WireFlag }
        : { kind: 'patch-segment', version: m.version, segment: item as WireSegment }
    }
    case 'delete': {
      const kind = m.kind ?? 'flag'
      if (!isVersion(m.version) || typeof m.key !== 'string') {
        return { kind: 'invalid', what: 'a malformed delete' }
      }
      if (kind === 'flag') return { kind: 'delete', version: m.version, key: m.key }
      if (kind === 'segment') return { kind: 'delete-segment', version: m.version, key: m.key }
      // why: skipping it would silently lose a version; a snapshot is always correct
      return { kind: 'invalid', what: `a delete of unknown kind ${String(kind)}` }
    }
    case 'ping':
      return {
        kind: 'ping',
        time: typeof m.time === 'number' ? m.time : null,
        version: isVersion(m.version) ? m.version : null,
      }
    default:
      return { kind: 'unknown', type: String(m.type) }
  }
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value)
}
