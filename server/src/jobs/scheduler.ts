import type { Clock } from '../domain/clock.js'
import type { DomainDeps } from '../domain/write-transaction.js'
import { runDueRollouts } from '../domain/rollout-steps.js'
import { runDueSchedules } from '../domain/schedules.js'
import type { Logger } from '../logger.js'

/**
 * Runs due rollout steps and scheduled changes. Every replica runs one; the rows are claimed
 * with FOR UPDATE SKIP LOCKED, so each step still happens exactly once.
 */
export class Scheduler {
  private readonly timer: NodeJS.Timeout | undefined
  private running: Promise<number> | null = null
  private stopped = false

  constructor(
    private readonly deps: DomainDeps,
    private readonly logger: Logger,
    private readonly clock: Clock,
    intervalMs: number,
  ) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.tick().catch(() => {}), intervalMs)
      this.timer.unref()
    }
  }

  /** Runs everything due now; resolves with the number of steps taken. */
  tick(): Promise<number> {
    if (this.stopped) return Promise.resolve(0)
    this.running ??= (async () => {
      const now = this.clock()
      let steps = 0
      // One kind of work failing never holds up the other.
      for (const run of [runDueRollouts, runDueSchedules]) {
        try {
          steps += await run(this.deps, now)
        } catch (error) {
          this.logger.warn({ err: error }, 'scheduler work failed; retrying on the next tick')
        }
      }
      this.running = null
      return steps
    })()
    return this.running
  }

  async close(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.running
  }
}
