/** Events published after a transaction commits. Small on purpose: receivers read state from the database. */
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
    }
  | { type: 'sdk-key-revoked'; keyId: string }
  | { type: 'environment-created'; env: string }

export type BusListener = (event: BusEvent) => void

/**
 * The change bus between the write path and the stream hub. In-process for one server;
 * a Postgres LISTEN/NOTIFY implementation carries the same events between replicas.
 */
export interface ChangeBus {
  publish(event: BusEvent): void
  subscribe(listener: BusListener): () => void
  close(): Promise<void>
}

export function createLocalBus(onListenerError?: (error: unknown) => void): ChangeBus {
  const listeners = new Set<BusListener>()
  return {
    publish(event) {
      for (const listener of listeners) {
        try {
          listener(event)
        } catch (error) {
          onListenerError?.(error)
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      listeners.clear()
    },
  }
}
