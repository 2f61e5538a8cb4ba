import type { BusEvent } from '../db/bus.js'
import { readChanged, readSnapshot } from '../domain/snapshot-reads.js'
import type { DomainDeps } from '../domain/write-transaction.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { LiveSnapshot } from './live-snapshot.js'

/** A message every SDK of `env` is sent: its JSON, and its type (for the message metrics). */
export type SnapshotListener = (env: string, json: string, type: 'put' | 'patch' | 'delete') => void

export interface SnapshotOptions {
  deps: DomainDeps
  logger: Logger
  metrics?: Metrics | undefined
}

/**
 * Holds one live snapshot per environment, loaded on first use, for the stream, polling and
 * OFREP alike. Changes arrive through the bus after commit and apply in version order, one
 * environment at a time; a gap in versions (or a change too large to apply key by key) reloads
 * the environment, and each change is handed to the listeners as the message SDKs get.
 */
export class EnvSnapshots {
  private readonly snapshots = new Map<string, Promise<LiveSnapshot | null>>()
  /** Per-environment queue so changes apply in order. */
  private readonly queues = new Map<string, Promise<void>>()
  private readonly listeners = new Set<SnapshotListener>()
  private readonly unsubscribe: () => void
  private closed = false

  constructor(private readonly options: SnapshotOptions) {
    this.unsubscribe = options.deps.bus.subscribe((event) => this.onBusEvent(event))
  }

  /** An environment's live snapshot; null when it does not exist. A failed load is retried. */
  get(env: string): Promise<LiveSnapshot | null> {
    let loading = this.snapshots.get(env)
    if (!loading) {
      loading = readSnapshot(this.options.deps.db, env).then((read) => {
        if (!read) return null
        this.markUpdated(env, read.version)
        const snapshot = new LiveSnapshot(env)
        snapshot.replace(read)
        return snapshot
      })
      this.snapshots.set(env, loading)
      // A failed load is retried on the next request rather than cached.
      loading.then(
        (s) => {
          if (!s) this.snapshots.delete(env)
        },
        () => this.snapshots.delete(env),
      )
    }
    return loading
  }

  /** Every environment asked for so far, as it loads. */
  loaded(): IterableIterator<[string, Promise<LiveSnapshot | null>]> {
    return this.snapshots.entries()
  }

  /** Hears of every change as the message SDKs of its environment get. */
  subscribe(listener: SnapshotListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Stops following changes. */
  close(): void {
    this.closed = true
    this.unsubscribe()
  }

  private onBusEvent(event: BusEvent): void {
    switch (event.type) {
      case 'env-changed':
        if (event.written) {
          // A write of this process: the fan-out that follows is synchronous (~10 ms per 1,000
          // sockets), so let the writer's HTTP response go out first rather than wait behind it.
          this.enqueue(event.env, () => nextMacrotask().then(() => this.applyChange(event)))
        } else {
          this.enqueue(event.env, () => this.applyChange(event))
        }
        return
      case 'resync':
        for (const env of this.snapshots.keys()) this.enqueue(env, () => this.reload(env))
        return
      default:
        return
    }
  }

  private enqueue(env: string, task: () => Promise<void>): void {
    const previous = this.queues.get(env) ?? Promise.resolve()
    const next = previous
      .then(task)
      .catch((error: unknown) => {
        // Keep the snapshot (and its sockets' pings); catch up with a full reload, retried.
        this.options.logger.error(
          { err: error, env },
          'applying a change to the stream failed; reloading',
        )
        this.scheduleReload(env, 1)
      })
      .finally(() => {
        if (this.queues.get(env) === next) this.queues.delete(env)
      })
    this.queues.set(env, next)
  }

  private scheduleReload(env: string, attempt: number): void {
    if (this.closed) return
    const delay = Math.min(10_000, 100 * 2 ** (attempt - 1))
    setTimeout(() => {
      const previous = this.queues.get(env) ?? Promise.resolve()
      const next = previous
        .then(() => this.reload(env))
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error, env, attempt }, 'stream reload failed; retrying')
          this.scheduleReload(env, attempt + 1)
        })
      this.queues.set(env, next)
    }, delay).unref()
  }

  /** Re-reads an environment and sends everyone a put if it moved on. */
  private async reload(env: string): Promise<void> {
    const snapshot = await this.snapshots.get(env)
    if (!snapshot) return
    const read = await readSnapshot(this.options.deps.db, env)
    if (!read) return
    this.markUpdated(env, read.version)
    if (read.version <= snapshot.version) return
    snapshot.replace(read)
    this.tell(env, snapshot.putJson(), 'put')
  }

  private markUpdated(env: string, version: number): void {
    this.options.metrics?.envVersion.set({ env }, version)
    this.options.metrics?.snapshotUpdated.set({ env }, Date.now() / 1000)
  }

  private async applyChange(event: Extract<BusEvent, { type: 'env-changed' }>): Promise<void> {
    const started = performance.now()
    const loaded = this.snapshots.get(event.env)
    if (!loaded) return // nobody has asked for this environment yet; it loads fresh when asked
    const snapshot = await loaded
    if (!snapshot || event.version <= snapshot.version) return
    const segmentsUpserted = event.segmentsUpserted ?? []
    const segmentsDeleted = event.segmentsDeleted ?? []
    const count =
      event.upserted.length +
      event.deleted.length +
      segmentsUpserted.length +
      segmentsDeleted.length
    if (event.version > snapshot.version + 1 || count > 1 || event.reload) {
      // A gap (or a batch that must apply atomically): reload and send everyone a fresh put.
      await this.reload(event.env)
      this.options.metrics?.changeFanout.observe((performance.now() - started) / 1000)
      return
    }
    // The writer handed over exactly what it committed at this version; from another replica
    // (over NOTIFY) only keys arrive, and the rows are read back.
    const { flags, segments, envVersion } = event.written
      ? {
          flags: byKey(event.written.flags),
          segments: byKey(event.written.segments),
          envVersion: event.version,
        }
      : await readChanged(this.options.deps.db, event.env, event.upserted, segmentsUpserted)
    if (event.version <= snapshot.version) return
    if (envVersion !== event.version) {
      // What was read is newer than this event: a patch labelled with this version would carry
      // later data. Send the whole, consistent state instead.
      await this.reload(event.env)
      this.options.metrics?.changeFanout.observe((performance.now() - started) / 1000)
      return
    }
    const message = snapshot.apply(event.version, event, flags, segments)
    this.markUpdated(event.env, snapshot.version)
    if (message) this.tell(event.env, JSON.stringify(message), message.type)
    this.options.metrics?.changeFanout.observe((performance.now() - started) / 1000)
  }

  private tell(env: string, json: string, type: 'put' | 'patch' | 'delete'): void {
    for (const listener of this.listeners) listener(env, json, type)
  }
}

function byKey<T extends { key: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [item.key, item]))
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
