import { createHmac } from 'node:crypto'
import {
  claimDueDeliveries,
  recordAttempt,
  webhooksOf,
  type Webhook,
  type WebhookDelivery,
} from '../domain/webhook-outbox.js'
import { createWebhookTargetPolicy, type WebhookTargetPolicy } from '../domain/webhook-targets.js'
import type { DomainDeps } from '../domain/write-transaction.js'
import type { Logger } from '../logger.js'
import { describeDeliveryError, postWebhook } from './webhook-request.js'

export interface DispatcherOptions {
  deps: DomainDeps
  logger: Logger
  /** How often pending deliveries are looked for (changes also wake the dispatcher at once). */
  pollMs?: number
  timeoutMs?: number
  /** Delay before retry `attempt` (1-based): exponential with full jitter, capped at 10 minutes. */
  backoffMs?: (attempt: number) => number
  /** Which addresses deliveries may connect to, and how names resolve (public addresses only by default). */
  targets?: WebhookTargetPolicy
}

export function defaultBackoffMs(attempt: number, random = Math.random): number {
  const cap = Math.min(600_000, 1000 * 2 ** (attempt - 1))
  return Math.round(cap / 2 + random() * (cap / 2))
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`
}

/**
 * Sends queued webhook deliveries, claimed from the outbox (domain/webhook-outbox.ts) so that
 * several replicas share the work; a pass runs on a timer and right after every change.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined
  private wakeSoon: NodeJS.Timeout | undefined
  private running: Promise<void> | null = null
  private again = false
  private stopped = false
  private readonly unsubscribe: () => void
  private readonly targets: WebhookTargetPolicy

  constructor(private readonly options: DispatcherOptions) {
    this.targets = options.targets ?? createWebhookTargetPolicy()
    this.unsubscribe = options.deps.bus.subscribe((event) => {
      if (event.type === 'env-changed') this.wakeAfterThisTurn()
    })
    this.timer = setInterval(() => this.wake(), options.pollMs ?? 1000)
    this.timer.unref()
  }

  /** Runs a pass now (or right after the current one). */
  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.pass()
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'webhook dispatch pass failed'),
      )
      .finally(() => {
        this.running = null
        if (this.again) {
          this.again = false
          this.wake()
        }
      })
  }

  /**
   * A change wakes the dispatcher from the timers phase, after the writer's response and the
   * stream fan-out (started with setImmediate) are out: a pass is a transaction, with PGlite on
   * this very thread, and it held both up by 1.5-3.4 ms.
   */
  private wakeAfterThisTurn(): void {
    this.wakeSoon ??= setTimeout(() => {
      this.wakeSoon = undefined
      this.wake()
    }, 0)
  }

  /** Resolves once no pass is running or about to (tests). */
  async idle(): Promise<void> {
    while (this.running || this.wakeSoon) {
      await (this.running ?? new Promise((resolve) => setTimeout(resolve, 0)))
    }
  }

  async close(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    clearTimeout(this.wakeSoon)
    this.wakeSoon = undefined
    this.unsubscribe()
    await this.idle()
  }

  private async pass(): Promise<void> {
    for (let round = 0; round < 50 && !this.stopped; round++) {
      const leaseMs = (this.options.timeoutMs ?? 10_000) * 3
      const batch = await claimDueDeliveries(this.options.deps.db, leaseMs)
      if (batch.length === 0) return
      const byId = await webhooksOf(this.options.deps.db, batch)
      await Promise.all(
        batch.map((delivery) => this.deliver(delivery, byId.get(delivery.webhookId))),
      )
    }
  }

  private async deliver(delivery: WebhookDelivery, hook: Webhook | undefined) {
    if (!hook) return
    const body = JSON.stringify(delivery.payload)
    let status: number | null = null
    let error: string | null = null
    let cause: unknown
    try {
      const res = await postWebhook(hook.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Switchyard-Webhook/1',
          'x-switchyard-delivery': String(delivery.id),
          'x-switchyard-signature': sign(hook.secret, body),
        },
        body,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        policy: this.targets,
      })
      status = res.status
      // A redirect is not followed: it fails the attempt like any answer that is not 2xx.
      if (status < 200 || status > 299) error = `HTTP ${status}`
    } catch (e) {
      error = describeDeliveryError(e)
      cause = e
    }
    await recordAttempt(
      this.options.deps.db,
      delivery,
      { statusCode: status, error },
      this.options.backoffMs ?? defaultBackoffMs,
    )
    if (error !== null)
      this.options.logger.warn(
        // The operator's log keeps the socket error that the delivery log leaves out.
        { webhook: hook.id, delivery: delivery.id, attempt: delivery.attempts, error, err: cause },
        'webhook delivery failed',
      )
  }
}
