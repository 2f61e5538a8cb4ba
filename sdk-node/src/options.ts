import { LAST_VERSION_PARAM, type WireFlag, type WireSegment } from '@switchyard/core'
import { sdkError } from './errors.js'
import { createDefaultLogger, type Logger } from './logger.js'

/** A snapshot of one environment's flags and segments, as `GET /sdk/v1/flags` returns it. */
export interface Snapshot {
  version: number
  flags: WireFlag[]
  /** The environment's segments; absent means none. */
  segments?: WireSegment[]
}

/** Options for {@link init}. */
export interface Options {
  /** Server-side SDK key of the environment (surrounding whitespace is ignored). Required unless `offline`. */
  sdkKey?: string
  /** Server base URL, e.g. `http://127.0.0.1:7400`. */
  baseUrl?: string
  /** Several replicas' base URLs; the client moves to the next one when a connection fails. */
  baseUrls?: string[]
  /** Stream changes over a WebSocket (default true); false polls `GET /sdk/v1/flags` instead. */
  stream?: boolean
  /** Polling interval in ms, in polling mode and in the streaming fallback (default 30000). */
  pollIntervalMs?: number
  /** No network at all: serve the bootstrap, or fallbacks (default false). */
  offline?: boolean
  /**
   * Flags (and segments) to serve before (or instead of) the first server response: a snapshot
   * or a path to a JSON file.
   */
  bootstrap?: Snapshot | string
  /** Ceiling of the first reconnect delay in ms (default 500). */
  initialBackoffMs?: number
  /** Largest reconnect delay in ms (default 30000). */
  maxBackoffMs?: number
  /** Reconnect when nothing, not even a ping, arrives on the stream for this long, in ms (default 90000). */
  streamTimeoutMs?: number
  /** Poll while the stream has been unavailable this long, in ms (default 30000). */
  fallbackAfterMs?: number
  /** Poll after this many stream connection attempts failed in a row (default 3). */
  fallbackAfterFailures?: number
  /** Timeout of one HTTP request or WebSocket handshake, in ms (default 10000). */
  requestTimeoutMs?: number
  /**
   * Largest stream message or poll body accepted, in bytes (default 64 MiB); a larger one is
   * not read, and the client keeps its data and retries.
   */
  maxMessageBytes?: number
  /**
   * Fail safe on old data: once the server has not confirmed the data (a change, a ping, a poll)
   * for this many ms, every evaluation serves the caller's fallback with `ERROR/STALE_DATA`
   * until it does again. Unset (the default): the last data is served however old it is. Set it
   * well above the server's ping interval (15 s by default), e.g. 60000. Not with `offline`.
   */
  maxDataAgeMs?: number
  /** Where diagnostics go (default: warnings and errors to the console). */
  logger?: Logger
}

export interface ResolvedOptions {
  sdkKey: string
  baseUrls: string[]
  stream: boolean
  pollIntervalMs: number
  offline: boolean
  bootstrap: Snapshot | string | undefined
  initialBackoffMs: number
  maxBackoffMs: number
  streamTimeoutMs: number
  fallbackAfterMs: number
  fallbackAfterFailures: number
  requestTimeoutMs: number
  maxMessageBytes: number
  /** null: never fail safe on old data. */
  maxDataAgeMs: number | null
  logger: Logger
}

export const DEFAULTS = {
  pollIntervalMs: 30_000,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  streamTimeoutMs: 90_000,
  fallbackAfterMs: 30_000,
  fallbackAfterFailures: 3,
  requestTimeoutMs: 10_000,
  maxMessageBytes: 64 * 1024 * 1024,
} as const

/**
 * The longest delay a Node timer holds (about 24.8 days): setTimeout fires a longer one after
 * 1 ms instead, with a TimeoutOverflowWarning.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw sdkError('INVALID_OPTIONS', `Option ${name} must be a positive number, got ${value}`)
  }
  return value
}

/** A positive duration option, capped at what a timer can wait. */
function duration(name: string, value: number | undefined, fallback: number): number {
  return Math.min(positive(name, value, fallback), MAX_TIMER_MS)
}

/** maxDataAgeMs: a duration, or null when unset; offline data is never confirmed, so not both. */
function maxDataAge(value: number | undefined, offline: boolean): number | null {
  if (value === undefined) return null
  if (offline) {
    throw sdkError(
      'INVALID_OPTIONS',
      'Option maxDataAgeMs cannot be used offline: offline data is never confirmed by a server',
    )
  }
  return duration('maxDataAgeMs', value, 0)
}

/** A positive whole number of bytes. */
function byteCount(name: string, value: number | undefined, fallback: number): number {
  const bytes = positive(name, value, fallback)
  if (!Number.isSafeInteger(bytes)) {
    throw sdkError(
      'INVALID_OPTIONS',
      `Option ${name} must be a whole number of bytes, got ${bytes}`,
    )
  }
  return bytes
}

function normalizeBaseUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch (cause) {
    throw sdkError('INVALID_OPTIONS', `Option baseUrl is not a valid URL: ${raw}`, cause)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw sdkError(
      'INVALID_OPTIONS',
      `Option baseUrl must be http(s), got ${url.protocol} in ${raw}`,
    )
  }
  url.search = ''
  url.hash = ''
  return url.href.replace(/\/+$/, '')
}

/** Visible ASCII: what an SDK key (prefix plus base64url) is made of, and safe in any header. */
const SDK_KEY_CHARS = /^[\x21-\x7e]*$/

// why: a key read from a secret file often ends with a newline, which Node refuses to put in a
// header (a TypeError from init, or a failure on every poll); HTTP drops surrounding whitespace
// from a header value anyway. The key itself is never echoed in the message.
function normalizeSdkKey(raw: string | undefined): string {
  if (raw === undefined) return ''
  if (typeof raw !== 'string') throw sdkError('INVALID_OPTIONS', 'Option sdkKey must be a string')
  const key = raw.trim()
  if (raw.length > 0 && key.length === 0) {
    throw sdkError('INVALID_OPTIONS', 'Option sdkKey is only whitespace')
  }
  if (!SDK_KEY_CHARS.test(key)) {
    const index = [...key].findIndex((c) => !SDK_KEY_CHARS.test(c))
    throw sdkError(
      'INVALID_OPTIONS',
      `Option sdkKey has a character that cannot be sent in an HTTP header (at index ${index}); ` +
        'SDK keys are printable ASCII',
    )
  }
  return key
}

/** Applies defaults and checks options; throws a SwitchyardError ('INVALID_OPTIONS') on a mistake. */
export function resolveOptions(options: Options): ResolvedOptions {
  const offline = options.offline ?? false
  const rawUrls = [...(options.baseUrl ? [options.baseUrl] : []), ...(options.baseUrls ?? [])]
  const baseUrls = [...new Set(rawUrls.map(normalizeBaseUrl))]
  const sdkKey = normalizeSdkKey(options.sdkKey)
  if (!offline) {
    if (!sdkKey) throw sdkError('INVALID_OPTIONS', 'Option sdkKey is required unless offline')
    if (baseUrls.length === 0) {
      throw sdkError('INVALID_OPTIONS', 'Option baseUrl (or baseUrls) is required unless offline')
    }
  }
  return {
    sdkKey,
    baseUrls,
    stream: options.stream ?? true,
    pollIntervalMs: duration('pollIntervalMs', options.pollIntervalMs, DEFAULTS.pollIntervalMs),
    offline,
    bootstrap: options.bootstrap,
    initialBackoffMs: duration(
      'initialBackoffMs',
      options.initialBackoffMs,
      DEFAULTS.initialBackoffMs,
    ),
    maxBackoffMs: duration('maxBackoffMs', options.maxBackoffMs, DEFAULTS.maxBackoffMs),
    streamTimeoutMs: duration('streamTimeoutMs', options.streamTimeoutMs, DEFAULTS.streamTimeoutMs),
    fallbackAfterMs: duration('fallbackAfterMs', options.fallbackAfterMs, DEFAULTS.fallbackAfterMs),
    fallbackAfterFailures: positive(
      'fallbackAfterFailures',
      options.fallbackAfterFailures,
      DEFAULTS.fallbackAfterFailures,
    ),
    requestTimeoutMs: duration(
      'requestTimeoutMs',
      options.requestTimeoutMs,
      DEFAULTS.requestTimeoutMs,
    ),
    maxMessageBytes: byteCount(
      'maxMessageBytes',
      options.maxMessageBytes,
      DEFAULTS.maxMessageBytes,
    ),
    maxDataAgeMs: maxDataAge(options.maxDataAgeMs, offline),
    logger: safeLogger(options.logger ?? createDefaultLogger()),
  }
}

// why: a logger that throws must not break the client's timers and socket handlers
function safeLogger(logger: Logger): Logger {
  const wrap =
    (level: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      try {
        logger[level](message, ...args)
      } catch {
        // nothing sensible left to report to
      }
    }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}

/** The stream endpoint for a base URL: http → ws, https → wss, plus the last known version. */
export function streamUrl(baseUrl: string, version: number): string {
  const url = new URL(`${baseUrl}/sdk/v1/stream`)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  if (version >= 0) url.searchParams.set(LAST_VERSION_PARAM, String(version))
  return url.href
}

/** The polling endpoint for a base URL. */
export function pollUrl(baseUrl: string): string {
  return `${baseUrl}/sdk/v1/flags`
}

function hasStringKey(item: unknown): boolean {
  if (typeof item !== 'object' || item === null) return false
  return typeof (item as { key?: unknown }).key === 'string'
}

/** Whether a parsed value looks like a snapshot: `{ version, flags: [...], segments?: [...] }`. */
export function isSnapshot(value: unknown): value is Snapshot {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.version === 'number' &&
    Number.isInteger(v.version) &&
    Array.isArray(v.flags) &&
    v.flags.every(hasStringKey) &&
    (v.segments === undefined || (Array.isArray(v.segments) && v.segments.every(hasStringKey)))
  )
}
