import type { ChangeEvent } from '../events.js'

/** One configuration change: the flags that changed at one environment version. */
export interface ChangeBatch {
  flagKeys: string[]
  version: number
}

/**
 * Gathers the client's `change` events into one batch per environment version. A snapshot that
 * changes many flags emits one event per flag, synchronously and all at its version, so they
 * come out as one batch once the current task's synchronous work is done; a change at another
 * version closes the batch at once, so a batch never mixes versions.
 */
export class ChangeBatcher {
  readonly #onBatch: (batch: ChangeBatch) => void
  #keys = new Set<string>()
  #version = -1
  #queued = false

  constructor(onBatch: (batch: ChangeBatch) => void) {
    this.#onBatch = onBatch
  }

  add(event: ChangeEvent): void {
    if (this.#keys.size > 0 && event.version !== this.#version) this.flush()
    this.#version = event.version
    this.#keys.add(event.key)
    if (this.#queued) return
    this.#queued = true
    queueMicrotask(() => {
      this.#queued = false
      this.flush()
    })
  }

  /** Hands on the pending batch, if there is one. */
  flush(): void {
    if (this.#keys.size === 0) return
    const batch = { flagKeys: [...this.#keys], version: this.#version }
    this.#keys = new Set()
    this.#onBatch(batch)
  }

  /** Drops the pending batch. */
  clear(): void {
    this.#keys = new Set()
  }
}
