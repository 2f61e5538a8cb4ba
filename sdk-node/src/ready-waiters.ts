import { MAX_TIMER_MS } from './options.js'

interface Waiter {
  resolve(): void
  reject(error: Error): void
}

/** Callers of waitForReady() waiting for the client to become ready, each with its own timeout. */
export class ReadyWaiters {
  readonly #waiters = new Set<Waiter>()

  /**
   * A promise that `resolveAll` resolves and `rejectAll` rejects, or that rejects with the
   * error `timedOut` makes once `timeoutMs` has passed.
   */
  add(timeoutMs: number, timedOut: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // why: a longer delay (Infinity included) would make the timer fire after 1 ms
      const timer = setTimeout(
        () => {
          this.#waiters.delete(waiter)
          reject(timedOut())
        },
        Math.min(timeoutMs, MAX_TIMER_MS),
      )
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      this.#waiters.add(waiter)
    })
  }

  resolveAll(): void {
    for (const waiter of this.#waiters) waiter.resolve()
    this.#waiters.clear()
  }

  rejectAll(error: Error): void {
    for (const waiter of this.#waiters) waiter.reject(error)
    this.#waiters.clear()
  }
}
