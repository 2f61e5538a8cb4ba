import { createBackoff, isRetryable, type Backoff } from './backoff.js'
import { sdkError } from './errors.js'
import type { Logger } from './logger.js'
import { isSnapshot, pollUrl } from './options.js'
import type { DataSink, SourceHooks } from './sink.js'

export interface PollerOptions {
  sdkKey: string
  baseUrls: string[]
  pollIntervalMs: number
  requestTimeoutMs: number
  /** Largest body read, in bytes. */
  maxMessageBytes: number
  initialBackoffMs: number
  maxBackoffMs: number
  logger: Logger
  random?: () => number
}

type PollOutcome =
  | { kind: 'ok' }
  | { kind: 'retry'; message: string; cause?: unknown }
  | { kind: 'stop'; status: number; message: string }
  | { kind: 'aborted' }

/**
 * Polls `GET /sdk/v1/flags` with `If-None-Match`, applies new snapshots to the sink, and retries
 * failures with backoff (never slower than the poll interval), moving to the next base URL.
 */
export class Poller {
  readonly #options: PollerOptions
  readonly #sink: DataSink
  readonly #hooks: SourceHooks
  readonly #backoff: Backoff
  #timer: NodeJS.Timeout | undefined
  #controller: AbortController | null = null
  #running = false
  #stopped = false
  #urlIndex = 0
  #etag: string | null = null
  /** The store version the ETag belongs to; the ETag is only sent while they match. */
  #etagVersion = -1
  #inFlight: Promise<void> | null = null

  constructor(options: PollerOptions, sink: DataSink, hooks: SourceHooks) {
    this.#options = options
    this.#sink = sink
    this.#hooks = hooks
    this.#backoff = createBackoff({
      initialMs: options.initialBackoffMs,
      maxMs: options.maxBackoffMs,
      random: options.random,
    })
  }

  /** Polling is scheduled or in flight. */
  get running(): boolean {
    return this.#running
  }

  /** Starts polling now; a no-op if already running or stopped for good. */
  start(): void {
    if (this.#running || this.#stopped) return
    this.#running = true
    this.#schedule(0)
  }

  /** Stops polling and aborts a request in flight; `start()` may resume it later. */
  async pause(): Promise<void> {
    this.#running = false
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#controller?.abort()
    await this.#inFlight
  }

  /** Stops polling for good. */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.pause()
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#inFlight = this.#poll().finally(() => (this.#inFlight = null))
    }, delayMs)
  }

  async #poll(): Promise<void> {
    const { baseUrls, logger } = this.#options
    const url = pollUrl(baseUrls[this.#urlIndex % baseUrls.length] ?? '')
    const outcome = await this.#request(url)
    if (!this.#running || outcome.kind === 'aborted') return

    if (outcome.kind === 'ok') {
      this.#backoff.reset()
      if (this.#running) this.#schedule(this.#options.pollIntervalMs)
      return
    }
    if (outcome.kind === 'stop') {
      const code = outcome.status === 401 || outcome.status === 403 ? 'UNAUTHORIZED' : 'POLL_FAILED'
      this.#stopped = true
      this.#running = false
      this.#hooks.onStopped(sdkError(code, outcome.message))
      return
    }
    if (baseUrls.length > 1) this.#urlIndex++
    this.#sink.reportError(sdkError('POLL_FAILED', outcome.message, outcome.cause))
    const delay = Math.min(this.#options.pollIntervalMs, this.#backoff.next())
    logger.debug(`Polling again in ${delay} ms`)
    this.#hooks.onDown()
    if (this.#running) this.#schedule(delay)
  }

  async #request(url: string): Promise<PollOutcome> {
    const controller = new AbortController()
    this.#controller = controller
    let timedOut = false
    const timeout = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, this.#options.requestTimeoutMs)
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#options.sdkKey}`,
      accept: 'application/json',
    }
    if (this.#etag !== null && this.#etagVersion === this.#sink.version) {
      headers['if-none-match'] = this.#etag
    }
    try {
      const res = await fetch(url, { headers, signal: controller.signal })
      if (res.status === 304) {
        await res.body?.cancel()
        if (!this.#running) return { kind: 'aborted' }
        this.#hooks.onHealthy()
        this.#sink.confirm()
        return { kind: 'ok' }
      }
      if (!res.ok) {
        await res.body?.cancel()
        const message = `Polling refused (${describeStatus(res.status)}): ${url}`
        if (!isRetryable(res.status)) return { kind: 'stop', status: res.status, message }
        return { kind: 'retry', message }
      }
      const { maxMessageBytes } = this.#options
      const text = await readText(res, maxMessageBytes)
      if (text === null) {
        const message = `Polling got a body larger than maxMessageBytes (${maxMessageBytes} bytes); the flags served are unchanged: ${url}`
        return { kind: 'retry', message }
      }
      const body: unknown = JSON.parse(text)
      if (!isSnapshot(body)) {
        return { kind: 'retry', message: `Polling got a body that is not a snapshot: ${url}` }
      }
      if (!this.#running) return { kind: 'aborted' }
      // why: a snapshot is authoritative, as on the stream: the same version number does not
      // prove the same data (a bootstrap file); with an unchanged ETag the server answers 304.
      // Healthy once applied, before 'ready', so its listeners already see the 'polling' state.
      const result = this.#sink.put(body.version, body.flags, body.segments, () =>
        this.#hooks.onHealthy(),
      )
      if (!result.ok) {
        // why: keep the ETag of the data held, so the next poll gets the full body again
        const message = `Polling got a snapshot the client cannot apply (${result.reason}); the flags served are unchanged: ${url}`
        return { kind: 'retry', message, cause: result.cause }
      }
      this.#etag = res.headers.get('etag')
      this.#etagVersion = body.version
      return { kind: 'ok' }
    } catch (cause) {
      if (controller.signal.aborted && !timedOut) return { kind: 'aborted' }
      const why = timedOut
        ? `no response in ${this.#options.requestTimeoutMs} ms`
        : describeFetchError(cause)
      return { kind: 'retry', message: `Polling failed (${why}): ${url}`, cause }
    } finally {
      clearTimeout(timeout)
      if (this.#controller === controller) this.#controller = null
    }
  }
}

/** A body as UTF-8 text, or null once it is past `maxBytes`: the rest is never read. */
async function readText(res: Response, maxBytes: number): Promise<string | null> {
  // why: a declared length is known before reading, but counts encoded bytes (fetch inflates)
  const encoding = res.headers.get('content-encoding')
  const declared = Number(res.headers.get('content-length'))
  if ((encoding === null || encoding === 'identity') && declared > maxBytes) {
    await res.body?.cancel()
    return null
  }
  if (!res.body) return ''
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    bytes += value.byteLength
    if (bytes > maxBytes) {
      await reader.cancel()
      return null
    }
    text += decoder.decode(value, { stream: true })
  }
}

function describeStatus(status: number): string {
  if (status === 401) return '401 invalid SDK key'
  if (status === 403) return '403 SDK key not allowed'
  return String(status)
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  // why: undici reports "fetch failed" and keeps the useful part (ECONNREFUSED …) in cause
  const cause = err.cause
  if (cause instanceof Error && cause.message) return `${err.message}: ${cause.message}`
  return err.message
}
