import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  CLOSE_CODES,
  type ClientMessage,
  type DeleteMessage,
  type PatchMessage,
  type PingMessage,
  createFlagStore,
  errorReason,
  type Context,
  type EvaluationDetail,
  type FlagStore,
  type WireFlag,
  type WireSegment,
} from '@switchyard/core'
import { WebSocket, WebSocketServer } from 'ws'
import type { BusEvent, ChangeBus } from '../db/bus.js'
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { SdkPrincipal } from '../domain/sdk-auth.js'
import {
  readSnapshot,
  readWireFlags,
  readWireSegments,
  type EnvSnapshot,
} from '../domain/snapshot.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { PING_FRAME, textFrame, writeFrame } from './frames.js'

export interface HubOptions {
  db: Db
  bus: ChangeBus
  logger: Logger
  /** Heartbeat period; a socket that misses one full period's pong is closed. */
  pingIntervalMs: number
  /**
   * Bytes a socket may hold unsent, on top of the latest put it was sent: a frame that would leave
   * more is not written, and the socket is closed with 4429 (a frame into an empty buffer is
   * always written, so any put goes out; see fitsBacklog).
   */
  maxBufferedBytes: number
  authenticate: (key: string) => Promise<SdkPrincipal | null>
  metrics?: Metrics
}

interface EnvState {
  env: string
  version: number
  flags: Map<string, WireFlag>
  segments: Map<string, WireSegment>
  /** The same data compiled, for server-side evaluation (OFREP). */
  store: FlagStore
  /** Serialized `put` for the current version; rebuilt lazily. */
  putJson: string | null
  /** The same as a WebSocket frame, shared by every socket that connects at this version. */
  putFrame: Buffer | null
  etag: string | null
}

interface Connection {
  ws: WebSocket
  /** The socket `ws` runs on: pre-built frames are written to it directly. */
  socket: Duplex
  env: string
  keyId: string
  alive: boolean
  /** Which heartbeat slice pings this connection. */
  slice: number
  /** Bytes of the latest put sent to it: allowed on top of the bound (see fitsBacklog). */
  putBytes: number
}

/** The heartbeat visits one slice of the connections per tick, each slice once per interval. */
const HEARTBEAT_TICK_MS = 100
const MAX_HEARTBEAT_SLICES = 100

/** What a client key is told of a flag that is not clientSide: the same as of a missing one. */
const NOT_FOUND_DETAIL: EvaluationDetail = Object.freeze({
  value: undefined,
  variationIndex: null,
  reason: errorReason('FLAG_NOT_FOUND'),
})

/**
 * Holds one in-memory snapshot per environment, fans changes out to SDK sockets, and answers
 * polling requests from the same snapshot. Changes arrive through the bus after commit.
 */
export class StreamHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  })
  private readonly states = new Map<string, Promise<EnvState | null>>()
  private readonly connections = new Set<Connection>()
  /** Per-environment queue so changes apply in order. */
  private readonly queues = new Map<string, Promise<void>>()
  private readonly unsubscribe: () => void
  private readonly pingTimer: NodeJS.Timeout
  private readonly slices: Array<Set<Connection>>
  private nextSlice = 0
  private tick = 0
  private closing = false
  /** Keys revoked while this replica runs: an upgrade that raced a revocation is closed too. */
  private readonly revokedKeys = new Set<string>()

  constructor(private readonly options: HubOptions) {
    this.unsubscribe = options.bus.subscribe((event) => this.onBusEvent(event))
    // Spread over the interval so that no tick writes to every socket at once (a flip landing on
    // such a tick waited ~20-50 ms behind 1,000 pings).
    const count = Math.max(
      1,
      Math.min(MAX_HEARTBEAT_SLICES, Math.floor(options.pingIntervalMs / HEARTBEAT_TICK_MS)),
    )
    this.slices = Array.from({ length: count }, () => new Set<Connection>())
    this.pingTimer = setInterval(() => this.heartbeat(), options.pingIntervalMs / count)
    this.pingTimer.unref()
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Snapshot for polling: the same data the stream sends, with an ETag. */
  async snapshot(env: string): Promise<{ json: string; etag: string; version: number } | null> {
    const state = await this.state(env)
    if (!state) return null
    return { json: this.putJson(state, 'snapshot'), etag: this.etag(state), version: state.version }
  }

  /**
   * Evaluates flags of an environment on the server (OFREP), with the same compiled data the
   * stream sends; all flags when `key` is undefined. No fallback type check: the caller has none.
   */
  async evaluate(
    env: string,
    context: Context,
    key?: string,
    clientSideOnly = false,
  ): Promise<{
    version: number
    etag: string
    results: Array<{ key: string; detail: EvaluationDetail }>
  } | null> {
    const state = await this.state(env)
    if (!state) return null
    // A client key sees clientSide flags only: any other flag is as unknown as a missing one.
    const visible = (k: string) => !clientSideOnly || state.flags.get(k)?.clientSide === true
    const keys = key === undefined ? [...state.flags.keys()].filter(visible).sort() : [key]
    const results = keys.map((k) => ({
      key: k,
      detail: visible(k)
        ? (state.store.variationDetail(k, context, undefined) as EvaluationDetail)
        : NOT_FOUND_DETAIL,
    }))
    return { version: state.version, etag: this.etag(state), results }
  }

  /** Handles an HTTP upgrade to /sdk/v1/stream: authenticates before upgrading. */
  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy())
    if (this.closing) return rejectUpgrade(socket, 503, 'server is shutting down')
    const key = readSdkKey(request.headers.authorization)
    if (!key) return rejectUpgrade(socket, 401, 'missing SDK key')
    let principal: SdkPrincipal | null
    try {
      principal = await this.options.authenticate(key)
    } catch (error) {
      this.options.logger.error({ err: error }, 'SDK key lookup failed')
      return rejectUpgrade(socket, 503, 'database unavailable')
    }
    if (!principal) return rejectUpgrade(socket, 401, 'invalid SDK key')
    if (principal.type !== 'server')
      return rejectUpgrade(socket, 403, 'client keys are not accepted on this endpoint yet')
    let state: EnvState | null
    try {
      state = await this.state(principal.env)
    } catch (error) {
      this.options.logger.error(
        { err: error, env: principal.env },
        'loading environment snapshot failed',
      )
      return rejectUpgrade(socket, 503, 'database unavailable')
    }
    if (!state || socket.destroyed) return rejectUpgrade(socket, 404, 'environment not found')
    const env = principal.env
    const keyId = principal.keyId
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = {
        ws,
        socket,
        env,
        keyId,
        alive: true,
        slice: this.nextSlice,
        putBytes: 0,
      }
      this.nextSlice = (this.nextSlice + 1) % this.slices.length
      this.connections.add(connection)
      this.slices[connection.slice]!.add(connection)
      this.options.metrics?.streamConnections.inc()
      ws.on('pong', () => {
        connection.alive = true
      })
      ws.on('message', (data) => {
        connection.alive = true
        this.onClientMessage(connection, data.toString())
      })
      ws.on('close', () => this.forget(connection))
      ws.on('error', () => ws.terminate())
      if (this.closing) {
        ws.close(CLOSE_CODES.goingAway, 'server shutting down')
        return
      }
      if (this.revokedKeys.has(keyId)) {
        ws.close(CLOSE_CODES.keyRevoked, 'SDK key revoked')
        return
      }
      // Send the state as it is now (it may have moved on while the upgrade ran).
      void this.sendPut(connection)
    })
  }

  /** Closes every SDK socket with 1001 so SDKs reconnect elsewhere. */
  async close(): Promise<void> {
    this.closing = true
    clearInterval(this.pingTimer)
    this.unsubscribe()
    for (const c of this.connections) c.ws.close(CLOSE_CODES.goingAway, 'server shutting down')
    const deadline = Date.now() + 2000
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    for (const c of this.connections) c.ws.terminate()
    this.wss.close()
  }

  private state(env: string): Promise<EnvState | null> {
    let state = this.states.get(env)
    if (!state) {
      state = readSnapshot(this.options.db, env).then((snapshot) => {
        if (!snapshot) return null
        this.markUpdated(env, snapshot.version)
        const state: EnvState = {
          env,
          version: 0,
          flags: new Map(),
          segments: new Map(),
          store: createFlagStore(),
          putJson: null,
          putFrame: null,
          etag: null,
        }
        replaceState(state, snapshot)
        return state
      })
      this.states.set(env, state)
      // A failed load is retried on the next request rather than cached.
      state.then(
        (s) => {
          if (!s) this.states.delete(env)
        },
        () => this.states.delete(env),
      )
    }
    return state
  }

  private putJson(state: EnvState, type: 'put' | 'snapshot'): string {
    if (state.putJson === null) {
      const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : 1)
      const flags = [...state.flags.values()].sort(byKey)
      const segments = [...state.segments.values()].sort(byKey)
      state.putJson = JSON.stringify({ type: 'put', version: state.version, flags, segments })
    }
    if (type === 'put') return state.putJson
    // The polling body is the put without its type tag.
    return `{${state.putJson.slice('{"type":"put",'.length)}`
  }

  private etag(state: EnvState): string {
    state.etag ??= `"${state.env}-${state.version}"`
    return state.etag
  }

  private async sendPut(connection: Connection): Promise<void> {
    const state = await this.state(connection.env).catch(() => null)
    if (!state) return
    // perf: a reconnecting fleet shares one encoded put instead of one UTF-8 copy per socket.
    state.putFrame ??= textFrame(this.putJson(state, 'put'))
    connection.putBytes = state.putFrame.length
    this.send(connection, state.putFrame)
  }

  private onClientMessage(connection: Connection, text: string): void {
    let message: ClientMessage
    try {
      message = JSON.parse(text) as ClientMessage
    } catch {
      connection.ws.close(CLOSE_CODES.protocolError, 'malformed message')
      return
    }
    if (message?.type === 'resync') void this.sendPut(connection)
  }

  private onBusEvent(event: BusEvent): void {
    switch (event.type) {
      case 'env-changed':
        if (event.written) {
          // A write of this process: the fan-out below is synchronous (~10 ms per 1,000 sockets),
          // so let the writer's HTTP response go out first rather than wait behind it.
          this.enqueue(event.env, () => nextMacrotask().then(() => this.applyChange(event)))
        } else {
          this.enqueue(event.env, () => this.applyChange(event))
        }
        return
      case 'sdk-key-revoked':
        this.revokedKeys.add(event.keyId)
        for (const c of this.connections) {
          if (c.keyId === event.keyId) c.ws.close(CLOSE_CODES.keyRevoked, 'SDK key revoked')
        }
        return
      case 'environment-created':
        return
      case 'resync':
        for (const env of this.states.keys()) this.enqueue(env, () => this.reload(env))
        return
    }
  }

  private enqueue(env: string, task: () => Promise<void>): void {
    const previous = this.queues.get(env) ?? Promise.resolve()
    const next = previous
      .then(task)
      .catch((error: unknown) => {
        // Keep the state (and its sockets' pings); catch up with a full reload, retried.
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
    if (this.closing) return
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
    const state = await this.states.get(env)
    if (!state) return
    const snapshot = await readSnapshot(this.options.db, env)
    if (!snapshot) return
    this.markUpdated(env, snapshot.version)
    if (snapshot.version <= state.version) return
    replaceState(state, snapshot)
    this.invalidate(state)
    this.broadcast(env, this.putJson(state, 'put'), 'put')
  }

  private markUpdated(env: string, version: number): void {
    this.options.metrics?.envVersion.set({ env }, version)
    this.options.metrics?.snapshotUpdated.set({ env }, Date.now() / 1000)
  }

  private async applyChange(event: Extract<BusEvent, { type: 'env-changed' }>): Promise<void> {
    const started = performance.now()
    const loaded = this.states.get(event.env)
    if (!loaded) return // nobody has asked for this environment yet; it loads fresh when asked
    const state = await loaded
    if (!state || event.version <= state.version) return
    const segmentsUpserted = event.segmentsUpserted ?? []
    const segmentsDeleted = event.segmentsDeleted ?? []
    const count =
      event.upserted.length +
      event.deleted.length +
      segmentsUpserted.length +
      segmentsDeleted.length
    if (event.version > state.version + 1 || count > 1 || event.reload) {
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
      : await this.readChanged(event.env, event.upserted, segmentsUpserted)
    if (event.version <= state.version) return
    if (envVersion !== event.version) {
      // What was read is newer than this event: a patch labelled with this version would carry
      // later data. Send the whole, consistent state instead.
      await this.reload(event.env)
      this.options.metrics?.changeFanout.observe((performance.now() - started) / 1000)
      return
    }
    state.version = event.version
    const version = event.version
    let message: PatchMessage | DeleteMessage | undefined
    for (const key of event.upserted) {
      const flag = flags.get(key)
      if (flag) {
        state.flags.set(key, flag)
        state.store.upsert(version, flag)
      } else {
        state.flags.delete(key)
        state.store.remove(version, key)
      }
      message = flag ? { type: 'patch', version, flag } : { type: 'delete', version, key }
    }
    for (const key of event.deleted) {
      state.flags.delete(key)
      state.store.remove(version, key)
      message = { type: 'delete', version, key }
    }
    for (const key of segmentsUpserted) {
      const segment = segments.get(key)
      if (segment) {
        state.segments.set(key, segment)
        state.store.upsertSegment(version, segment)
      } else {
        state.segments.delete(key)
        state.store.removeSegment(version, key)
      }
      message = segment
        ? { type: 'patch', version, segment }
        : { type: 'delete', version, key, kind: 'segment' }
    }
    for (const key of segmentsDeleted) {
      state.segments.delete(key)
      state.store.removeSegment(version, key)
      message = { type: 'delete', version, key, kind: 'segment' }
    }
    this.invalidate(state)
    this.markUpdated(event.env, state.version)
    if (message) this.broadcast(event.env, JSON.stringify(message), message.type)
    this.options.metrics?.changeFanout.observe((performance.now() - started) / 1000)
  }

  /** The changed rows and the environment's version, read in one snapshot. */
  private readChanged(env: string, flagKeys: string[], segmentKeys: string[]) {
    return this.options.db.transaction(
      async (tx) => {
        const [row] = await tx
          .select({ version: tables.environments.version })
          .from(tables.environments)
          .where(eq(tables.environments.key, env))
        const flags = await readWireFlags(tx, env, flagKeys)
        const segments = await readWireSegments(tx, env, segmentKeys)
        return { flags, segments, envVersion: row?.version ?? -1 }
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    )
  }

  private invalidate(state: EnvState): void {
    state.putJson = null
    state.putFrame = null
    state.etag = null
  }

  private broadcast(env: string, json: string, type: string): void {
    let sent = 0
    // perf: one frame for every socket, written straight to it; ws.send per socket costs ~7%
    // more (fanout-floor.mjs) for its per-call options, framing and cork/uncork.
    const frame = textFrame(json)
    for (const c of this.connections) {
      if (c.env === env && this.send(c, frame)) sent++
    }
    this.options.metrics?.streamMessages.inc({ type }, sent)
  }

  private forget(connection: Connection): void {
    this.slices[connection.slice]?.delete(connection)
    if (this.connections.delete(connection)) this.options.metrics?.streamConnections.dec()
  }

  private heartbeat(): void {
    const slice = this.slices[this.tick]!
    this.tick = (this.tick + 1) % this.slices.length
    if (slice.size === 0) return
    void this.sendHeartbeats(slice).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'heartbeat failed'),
    )
  }

  /**
   * Pings one slice: a socket that answered nothing since its previous ping (one interval ago) is
   * closed; every other gets one write with a WebSocket ping frame and the JSON ping, built once
   * per environment.
   */
  private async sendHeartbeats(slice: Set<Connection>): Promise<void> {
    const now = Date.now()
    const pings = new Map<string, Buffer>()
    for (const [env, loading] of this.states) {
      const state = await loading.catch(() => null)
      if (!state) continue
      const ping: PingMessage = { type: 'ping', time: now, version: state.version }
      pings.set(env, Buffer.concat([PING_FRAME, textFrame(JSON.stringify(ping))]))
    }
    for (const c of slice) {
      if (!c.alive) {
        c.ws.terminate()
        this.forget(c)
        continue
      }
      c.alive = false
      this.send(c, pings.get(c.env) ?? PING_FRAME)
    }
  }

  /**
   * Writes a pre-built frame to an open connection (never after ws has begun to close it), unless
   * the socket already holds so much unsent that this frame would take it past the bound: a peer
   * that stopped reading is closed instead of buffered for without limit.
   */
  private send(connection: Connection, frame: Buffer): boolean {
    if (connection.ws.readyState !== WebSocket.OPEN) return false
    // The same count as ws.bufferedAmount: ws queues nothing of its own while deflate is off.
    const buffered = connection.socket.writableLength
    if (!fitsBacklog(buffered, frame.length, this.options.maxBufferedBytes, connection.putBytes)) {
      this.closeSlow(connection, buffered)
      return false
    }
    return writeFrame(connection.socket, frame)
  }

  /**
   * Closes a socket that stopped reading with 4429, so its SDK reconnects (with backoff) and gets
   * a fresh put. The close frame waits behind everything buffered: a peer that has not completed
   * the close within one heartbeat interval is terminated, as one that misses a pong would be.
   */
  private closeSlow(connection: Connection, buffered: number): void {
    const { ws } = connection
    this.options.metrics?.streamSlowCloses.inc()
    this.options.logger.warn(
      { env: connection.env, keyId: connection.keyId, bufferedBytes: buffered },
      'closing an SDK stream that stopped reading',
    )
    ws.close(CLOSE_CODES.slowConsumer, 'send buffer full')
    const timer = setTimeout(() => ws.terminate(), this.options.pingIntervalMs)
    timer.unref()
    ws.once('close', () => clearTimeout(timer))
  }
}

function byKey<T extends { key: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [item.key, item]))
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function replaceState(state: EnvState, snapshot: EnvSnapshot): void {
  state.version = snapshot.version
  state.flags = new Map(snapshot.flags.map((f) => [f.key, f]))
  state.segments = new Map(snapshot.segments.map((g) => [g.key, g]))
  state.store.put(snapshot.version, snapshot.flags, snapshot.segments)
}

/**
 * Whether a frame may join a socket's unsent backlog: always into an empty one (so any put goes
 * out), else while the backlog stays within the bound plus the size of the latest put the socket
 * was sent, so an SDK still taking in a put larger than the bound is not closed for the patches
 * that follow it. A peer that stopped reading still reaches the limit after one such put.
 */
export function fitsBacklog(
  buffered: number,
  frameBytes: number,
  maxBufferedBytes: number,
  putBytes: number,
): boolean {
  return buffered === 0 || buffered + frameBytes <= maxBufferedBytes + putBytes
}

/** Accepts `Bearer <key>` or the bare key. */
export function readSdkKey(header: string | undefined): string | null {
  if (!header) return null
  const trimmed = header.trim()
  const key = /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, '') : trimmed
  return key.length > 0 && key.length <= 256 ? key : null
}

/** The problem type (docs/problems.md) and reason phrase of each status a refused upgrade gets. */
const REFUSALS: Record<number, { slug: string; reason: string; headers: string }> = {
  401: { slug: 'unauthorized', reason: 'Unauthorized', headers: 'WWW-Authenticate: Bearer\r\n' },
  403: { slug: 'forbidden', reason: 'Forbidden', headers: '' },
  404: { slug: 'not-found', reason: 'Not Found', headers: '' },
  503: { slug: 'unavailable', reason: 'Service Unavailable', headers: 'Retry-After: 1\r\n' },
}

function rejectUpgrade(socket: Duplex, status: 401 | 403 | 404 | 503, message: string): void {
  if (socket.destroyed) return
  const { slug, reason, headers } = REFUSALS[status]!
  const body = JSON.stringify({ type: `urn:switchyard:problem:${slug}`, title: message, status })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${headers}Connection: close\r\n\r\n${body}`,
  )
}
