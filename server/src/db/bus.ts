import type { WireFlag, WireSegment } from '@switchyard/core'
import type { Tx } from './client.js'

/** What a transaction left of the flags and segments it upserted, in their wire form. */
export interface WrittenState {
  flags: WireFlag[]
  segments: WireSegment[]
}

/**
 * Events published after a transaction commits. Small on purpose: receivers in other processes
 * read state from the database.
 */
export type BusEvent =
  | {
      type: 'env-changed'
      env: string
      /** Environment version after the change. */
      version: number
      /** Flags created or changed at this version. */
      upserted: string[]
      /** Flags deleted at this version. */
      deleted: string[]
      /** Segments created or changed at this version. */
      segmentsUpserted?: string[]
      /** Segments deleted at this version. */
      segmentsDeleted?: string[]
      /** Too many keys to list: receivers reload the environment. */
      reload?: boolean
      /**
       * Every upserted flag and segment exactly as the writing transaction committed it (its state
       * at `version`), so this process's stream snapshots need not read it back. Only on events
       * delivered inside the writing process; never sent over NOTIFY.
       */
      written?: WrittenState
    }
  | { type: 'sdk-key-revoked'; keyId: string }
  | { type: 'token-revoked'; tokenId: string }
  | { type: 'environment-created'; env: string }
  /** The bus may have missed events (its connection dropped): receivers reload what they cache. */
  | { type: 'resync' }

export type BusListener = (event: BusEvent) => void

/**
 * The change bus between the write path and the stream hub. In-process for one server;
 * a Postgres LISTEN/NOTIFY implementation carries the same events between replicas.
 */
export interface ChangeBus {
  /**
   * Publishes events of a transaction. With `tx`, a bus that can (Postgres NOTIFY) sends them
   * inside the transaction, so they go out at commit, in commit order, or not at all; without
   * `tx` (or on the in-process bus) they are delivered at once, after commit.
   */
  publish(event: BusEvent): void
  /** Sends events from inside a transaction if this bus supports it; returns false otherwise. */
  publishInTransaction?(tx: Tx, events: BusEvent[]): Promise<boolean>
  /**
   * Hands events to this process's listeners only, at once. Used after a commit whose events
   * also went out by NOTIFY: the writing replica need not wait for its own notification (a
   * revoked token must stop working before the response), and the copy that arrives later is
   * ignored as stale.
   */
  deliverLocally(event: BusEvent): void
  subscribe(listener: BusListener): () => void
  /** False while the bus cannot deliver (e.g. its listening connection is down). */
  healthy(): boolean
  close(): Promise<void>
}

/** The listener set both buses keep: a throwing listener never stops the others. */
export function createListeners(onListenerError: (error: unknown) => void) {
  const listeners = new Set<BusListener>()
  return {
    deliver(event: BusEvent) {
      for (const listener of listeners) {
        try {
          listener(event)
        } catch (error) {
          onListenerError(error)
        }
      }
    },
    subscribe(listener: BusListener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    clear: () => listeners.clear(),
  }
}

export function createLocalBus(onListenerError: (error: unknown) => void): ChangeBus {
  const listeners = createListeners(onListenerError)
  return {
    publish: listeners.deliver,
    deliverLocally: listeners.deliver,
    subscribe: listeners.subscribe,
    healthy: () => true,
    async close() {
      listeners.clear()
    },
  }
}
