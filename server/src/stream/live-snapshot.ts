import {
  createFlagStore,
  type DeleteMessage,
  type FlagStore,
  type PatchMessage,
  type WireFlag,
  type WireSegment,
} from '@switchyard/core'
import type { BusEvent } from '../db/bus.js'
import type { EnvSnapshot } from '../domain/snapshot-reads.js'
import { textFrame } from './frames.js'

type EnvChanged = Extract<BusEvent, { type: 'env-changed' }>

/**
 * One environment as SDKs see it now: its version, flags and segments, the same data compiled,
 * and its serialised forms, each built once per version and shared by every reader.
 */
export class LiveSnapshot {
  version = 0
  flags = new Map<string, WireFlag>()
  segments = new Map<string, WireSegment>()
  /** The same data compiled, for evaluation on the server (OFREP). */
  readonly store: FlagStore = createFlagStore()
  private putJsonCache: string | null = null
  private putFrameCache: Buffer | null = null
  private etagCache: string | null = null

  constructor(readonly env: string) {}

  /** The `put` message of this version (docs/protocol.md). */
  putJson(): string {
    if (this.putJsonCache === null) {
      const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : 1)
      const flags = [...this.flags.values()].sort(byKey)
      const segments = [...this.segments.values()].sort(byKey)
      this.putJsonCache = JSON.stringify({ type: 'put', version: this.version, flags, segments })
    }
    return this.putJsonCache
  }

  /** The polling body (`GET /sdk/v1/flags`): the put without its type tag. */
  pollingJson(): string {
    return `{${this.putJson().slice('{"type":"put",'.length)}`
  }

  /** The put as a WebSocket frame. */
  putFrame(): Buffer {
    // perf: a reconnecting fleet shares one encoded put instead of one UTF-8 copy per socket.
    this.putFrameCache ??= textFrame(this.putJson())
    return this.putFrameCache
  }

  etag(): string {
    this.etagCache ??= `"${this.env}-${this.version}"`
    return this.etagCache
  }

  /** Takes everything from a snapshot read from the database. */
  replace(snapshot: EnvSnapshot): void {
    this.version = snapshot.version
    this.flags = new Map(snapshot.flags.map((f) => [f.key, f]))
    this.segments = new Map(snapshot.segments.map((g) => [g.key, g]))
    this.store.put(snapshot.version, snapshot.flags, snapshot.segments)
    this.invalidate()
  }

  /**
   * Applies one change of one key at `version` (the rows it left are in `flags` and `segments`;
   * a key without a row was deleted) and answers the message that tells SDKs, the last one when
   * the change holds several keys.
   */
  apply(
    version: number,
    change: EnvChanged,
    flags: Map<string, WireFlag>,
    segments: Map<string, WireSegment>,
  ): PatchMessage | DeleteMessage | undefined {
    this.version = version
    let message: PatchMessage | DeleteMessage | undefined
    for (const key of change.upserted) {
      const flag = flags.get(key)
      if (flag) {
        this.flags.set(key, flag)
        this.store.upsert(version, flag)
      } else {
        this.flags.delete(key)
        this.store.remove(version, key)
      }
      message = flag ? { type: 'patch', version, flag } : { type: 'delete', version, key }
    }
    for (const key of change.deleted) {
      this.flags.delete(key)
      this.store.remove(version, key)
      message = { type: 'delete', version, key }
    }
    for (const key of change.segmentsUpserted ?? []) {
      const segment = segments.get(key)
      if (segment) {
        this.segments.set(key, segment)
        this.store.upsertSegment(version, segment)
      } else {
        this.segments.delete(key)
        this.store.removeSegment(version, key)
      }
      message = segment
        ? { type: 'patch', version, segment }
        : { type: 'delete', version, key, kind: 'segment' }
    }
    for (const key of change.segmentsDeleted ?? []) {
      this.segments.delete(key)
      this.store.removeSegment(version, key)
      message = { type: 'delete', version, key, kind: 'segment' }
    }
    this.invalidate()
    return message
  }

  private invalidate(): void {
    this.putJsonCache = null
    this.putFrameCache = null
    this.etagCache = null
  }
}
