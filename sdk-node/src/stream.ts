import { CLOSE_CODES, type ClientMessage, type SwitchyardError } from '@switchyard/core'
import WebSocket from 'ws'
import { createBackoff, isRetryable, type Backoff } from './backoff.js'
import { sdkError } from './errors.js'
import type { Logger } from './logger.js'
import { streamUrl } from './options.js'
import type { DataSink, SourceHooks } from './sink.js'
import { parseStreamMessage } from './stream-message.js'

export interface StreamSourceOptions {
  sdkKey: string
  baseUrls: string[]
  streamTimeoutMs: number
  requestTimeoutMs: number
  /** Largest message accepted (the ws maxPayload), in bytes. */
  maxMessageBytes: number
  initialBackoffMs: number
  maxBackoffMs: number
  logger: Logger
  random?: () => number
}

/** A resync not answered by a put within this long may be asked for again. */
const RESYNC_RETRY_MS = 10_000
/** How long close() waits for the server to acknowledge the close handshake. */
const CLOSE_GRACE_MS = 1_000
/** The close code the SDK sends when it gives up on what the server sent (RFC 6455 §7.4.1). */
const PROTOCOL_ERROR_CLOSE = 1002

interface Attempt {
  ws: WebSocket
  /** The URL without its query, for messages. */
  where: string
  /** HTTP status when the server refused the upgrade. */
  status: number | undefined
  error: Error | undefined
  /** A valid message arrived on this connection. */
  healthy: boolean
  /** The client gave up on this connection and already reported why; the close is not reported. */
  abandoned: boolean
  deadTimer: NodeJS.Timeout | undefined
  closed: Promise<void>
}

const STATUS_TEXT: Record<number, string> = {
  401: 'invalid SDK key',
  403: 'SDK key not allowed',
  404: 'no stream endpoint',
  429: 'rate limited',
}

const CLOSE_TEXT: Record<number, string> = {
  [CLOSE_CODES.invalidKey]: 'invalid SDK key',
  [CLOSE_CODES.keyRevoked]: 'SDK key revoked',
  [CLOSE_CODES.protocolError]: 'protocol error',
  [CLOSE_CODES.heartbeatTimeout]: 'heartbeat timeout',
  [CLOSE_CODES.goingAway]: 'server going away',
  [CLOSE_CODES.slowConsumer]: 'the client read too slowly',
  1006: 'connection lost',
}

function describe(code: number, texts: Record<number, string>): string {
  const text = texts[code]
  return text ? `${code} ${text}` : String(code)
}

/**
 * Keeps one WebSocket to `/sdk/v1/stream` open, applies what arrives to the sink, and reconnects
 * with backoff (moving to the next base URL) until stopped or refused for good.
 */
export class StreamSource {
  readonly #options: StreamSourceOptions
  readonly #sink: DataSink
  readonly #hooks: SourceHooks
  readonly #backoff: Backoff
  #attempt: Attempt | null = null
  #urlIndex = 0
  #retryTimer: NodeJS.Timeout | undefined
  #stopped = false
  #healthy = false
  #resyncSentAt: number | null = null
  /** Connection attempts in a row that never delivered a valid message. */
  consecutiveFailures = 0

  constructor(options: StreamSourceOptions, sink: DataSink, hooks: SourceHooks) {
    this.#options = options
    this.#sink = sink
    this.#hooks = hooks
    this.#backoff = createBackoff({
      initialMs: options.initialBackoffMs,
      maxMs: options.maxBackoffMs,
      random: options.random,
    })
  }

  /** A connection is open and has delivered at least one valid message. */
  get healthy(): boolean {
    return this.#healthy
  }

  start(): void {
    if (this.#stopped || this.#attempt || this.#retryTimer) return
    this.#connect()
  }

  /** Stops reconnecting and closes the socket with 1000; resolves once it is closed. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#healthy = false
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    const attempt = this.#attempt
    this.#attempt = null
    if (!attempt) return
    clearTimeout(attempt.deadTimer)
    const { ws } = attempt
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'client closed')
    else ws.terminate()
    const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
    await attempt.closed
    clearTimeout(grace)
  }

  #connect(): void {
    this.#retryTimer = undefined
    const { baseUrls, sdkKey, requestTimeoutMs, maxMessageBytes, logger } = this.#options
    const base = baseUrls[this.#urlIndex % baseUrls.length] ?? ''
    const url = streamUrl(base, this.#sink.version)
    const where = url.split('?')[0] ?? url
    logger.debug(`Connecting to ${where}`)
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${sdkKey}` },
      handshakeTimeout: requestTimeoutMs,
      // why: the ws default (100 MiB) is more than a client should buffer for one message
      maxPayload: maxMessageBytes,
    })
    let onClosed = (): void => {}
    const attempt: Attempt = {
      ws,
      where,
      status: undefined,
      error: undefined,
      healthy: false,
      abandoned: false,
      deadTimer: undefined,
      closed: new Promise((resolve) => (onClosed = resolve)),
    }
    this.#attempt = attempt

    ws.on('unexpected-response', (_req, res) => {
      attempt.status = res.statusCode
      res.resume()
      ws.terminate()
    })
    ws.on('open', () => {
      if (this.#attempt !== attempt) return
      logger.debug(`Connected to ${where}`)
      attempt.deadTimer = setTimeout(() => this.#onDead(attempt), this.#options.streamTimeoutMs)
    })
    ws.on('ping', () => {
      if (!attempt.abandoned) attempt.deadTimer?.refresh()
    })
    ws.on('message', (data, isBinary) => {
      if (this.#attempt !== attempt || attempt.abandoned) return
      attempt.deadTimer?.refresh()
      this.#guard(() => this.#onMessage(attempt, isBinary ? null : data.toString()))
    })
    ws.on('error', (err) => {
      attempt.error ??= err
      // ws stops reading, closes with 1009 and reports it here once
      if (!isTooLarge(err) || this.#attempt !== attempt || attempt.abandoned) return
      const message = `Stream sent a message larger than maxMessageBytes (${maxMessageBytes} bytes); the flags served are unchanged; reconnecting: ${where}`
      this.#guard(() => this.#abandon(attempt, sdkError('PROTOCOL_ERROR', message, err)))
    })
    ws.on('close', (code, reason) => {
      clearTimeout(attempt.deadTimer)
      onClosed()
      if (this.#attempt !== attempt) return
      this.#attempt = null
      this.#guard(() => this.#onClose(attempt, code, reason.toString()))
    })
  }

  // why: an exception in a socket handler would be uncaught and crash the host process
  #guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.#options.logger.error('Unexpected error in the stream handler', err)
    }
  }

  #onDead(attempt: Attempt): void {
    if (this.#attempt !== attempt) return
    attempt.abandoned = true
    const seconds = this.#options.streamTimeoutMs / 1000
    this.#sink.reportError(
      sdkError(
        'STREAM_TIMEOUT',
        `Stream silent for ${seconds} s (no message or ping); reconnecting: ${attempt.where}`,
      ),
    )
    attempt.ws.terminate()
  }

  #onClose(attempt: Attempt, code: number, reason: string): void {
    this.#healthy = false
    if (this.#stopped) return
    const { status } = attempt

    if (status !== undefined && !isRetryable(status)) {
      const kind = status === 401 || status === 403 ? 'UNAUTHORIZED' : 'STREAM_FAILED'
      this.#stop(
        sdkError(kind, `Stream refused (${describe(status, STATUS_TEXT)}): ${attempt.where}`),
      )
      return
    }
    if (code === CLOSE_CODES.invalidKey || code === CLOSE_CODES.keyRevoked) {
      this.#stop(
        sdkError(
          'UNAUTHORIZED',
          `Stream closed by server (${describe(code, CLOSE_TEXT)}): ${attempt.where}`,
        ),
      )
      return
    }

    if (!attempt.healthy) this.consecutiveFailures++
    if (this.#options.baseUrls.length > 1) this.#urlIndex++

    const goingAway = code === CLOSE_CODES.goingAway && attempt.healthy
    // a server restarting or draining: come back quickly, to another replica if there is one;
    // but not every time, or a crash-looping replica gets every SDK reconnecting in a tight loop
    if (goingAway && this.#backoff.resetUnlessRepeated()) {
      this.#options.logger.info(`Stream closed by server (1001 going away): ${attempt.where}`)
    } else if (!attempt.abandoned) {
      const closed = reason
        ? `${describe(code, CLOSE_TEXT)}: ${reason}`
        : describe(code, CLOSE_TEXT)
      let message: string
      if (goingAway) {
        message = `Stream closed by server again (${closed}); backing off: ${attempt.where}`
      } else if (status !== undefined) {
        message = `Stream refused (${describe(status, STATUS_TEXT)}): ${attempt.where}`
      } else if (attempt.healthy || code !== 1006) {
        message = `Stream closed (${closed}): ${attempt.where}`
      } else {
        const why = attempt.error?.message ?? 'connection lost'
        message = `Stream connection failed (${why}): ${attempt.where}`
      }
      this.#sink.reportError(sdkError('STREAM_FAILED', message, attempt.error))
    }

    const delay = this.#backoff.next()
    this.#options.logger.debug(`Reconnecting stream in ${delay} ms`)
    this.#retryTimer = setTimeout(() => this.#connect(), delay)
    this.#hooks.onDown()
  }

  #stop(error: SwitchyardError): void {
    this.#stopped = true
    this.#hooks.onStopped(error)
  }

  /** A valid message arrived: the first one makes the connection healthy. */
  #markHealthy(attempt: Attempt): void {
    if (!attempt.healthy) {
      attempt.healthy = true
      this.#healthy = true
      this.consecutiveFailures = 0
      this.#backoff.markHealthy()
    }
    // why: on every message, so the client can tell a silent stream from one that delivers
    this.#hooks.onHealthy()
  }

  #onMessage(attempt: Attempt, text: string | null): void {
    const message = parseStreamMessage(text)
    const sink = this.#sink
    switch (message.kind) {
      case 'put': {
        const { version, flags, segments } = message
        const result = sink.put(version, flags, segments, () => {
          this.#markHealthy(attempt)
          this.#resyncSentAt = null
        })
        if (!result.ok) {
          // why: a resync would likely bring the same put; a new connection may reach another
          // replica, and the backoff keeps a server that always sends it from causing a storm
          const text = `Stream sent a put the client cannot apply (${result.reason}); the flags served are unchanged; reconnecting: ${attempt.where}`
          this.#abandon(attempt, sdkError('PROTOCOL_ERROR', text, result.cause))
        }
        return
      }
      case 'malformed-put': {
        // why: as for a refused put, a resync would likely bring the same put, and pings would
        // keep the stale connection looking healthy
        const text = `Stream sent a malformed put; the flags served are unchanged; reconnecting: ${attempt.where}`
        return this.#abandon(attempt, sdkError('PROTOCOL_ERROR', text))
      }
      case 'patch':
      case 'patch-segment': {
        this.#markHealthy(attempt)
        const result =
          message.kind === 'patch'
            ? sink.patch(message.version, message.flag)
            : sink.patchSegment(message.version, message.segment)
        if (result === 'gap') this.#resync(attempt, `patch version ${message.version}`)
        return
      }
      case 'delete':
      case 'delete-segment': {
        this.#markHealthy(attempt)
        const result =
          message.kind === 'delete'
            ? sink.remove(message.version, message.key)
            : sink.removeSegment(message.version, message.key)
        if (result === 'gap') this.#resync(attempt, `delete version ${message.version}`)
        return
      }
      case 'ping': {
        this.#markHealthy(attempt)
        this.#send(attempt, { type: 'pong', time: message.time ?? Date.now() })
        const { version } = message
        if (version === null) return
        if (version > sink.version) this.#resync(attempt, `ping version ${version}`)
        else if (version === sink.version) sink.confirm()
        return
      }
      case 'unknown':
        // why: newer servers may send message types this SDK does not know; skip them
        this.#options.logger.debug(`Ignoring stream message of unknown type ${message.type}`)
        return
      case 'invalid':
        return this.#protocolError(attempt, message.what)
    }
  }

  #resync(attempt: Attempt, why: string): void {
    const now = Date.now()
    if (this.#resyncSentAt !== null && now - this.#resyncSentAt < RESYNC_RETRY_MS) return
    this.#resyncSentAt = now
    const version = this.#sink.version
    this.#options.logger.info(`Missed updates (${why}, have ${version}); asking for a snapshot`)
    this.#send(attempt, version >= 0 ? { type: 'resync', version } : { type: 'resync' })
  }

  /** Reports `error` and closes the connection (1002); the close reconnects with backoff. */
  #abandon(attempt: Attempt, error: SwitchyardError): void {
    attempt.abandoned = true
    this.#sink.reportError(error)
    clearTimeout(attempt.deadTimer)
    // (a no-op when ws is closing already, as after a message past maxPayload)
    attempt.ws.close(PROTOCOL_ERROR_CLOSE, 'protocol error')
    // why: a server that does not answer the close handshake would hold the reconnect for 30 s
    attempt.deadTimer = setTimeout(() => attempt.ws.terminate(), CLOSE_GRACE_MS)
  }

  #protocolError(attempt: Attempt, what: string): void {
    this.#sink.reportError(sdkError('PROTOCOL_ERROR', `Stream sent ${what}: ${attempt.where}`))
    this.#resync(attempt, what)
  }

  #send(attempt: Attempt, message: ClientMessage): void {
    if (attempt.ws.readyState !== WebSocket.OPEN) return
    attempt.ws.send(JSON.stringify(message), (err) => {
      if (err) this.#options.logger.debug(`Could not send ${message.type}: ${err.message}`)
    })
  }
}

function isTooLarge(err: Error): boolean {
  return (err as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
}
