import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ClientMessage, ServerMessage, WireFlag, WireSegment } from '@switchyard/core'
import { WebSocketServer, type WebSocket } from 'ws'

export const SDK_KEY = 'sdk-test-secret-key-123'

/** A flag that serves `true` when on and `false` when off. */
export function boolFlag(key: string, on: boolean, version = 1): WireFlag {
  return {
    key,
    kind: 'boolean',
    variations: [false, true],
    clientSide: false,
    version,
    on,
    offVariation: 0,
    targets: [],
    rules: [],
    fallthrough: { variation: 1 },
    prerequisites: [],
    salt: key,
  }
}

/** A boolean flag that serves `true` to contexts in any of `segments` and `false` to others. */
export function segmentFlag(key: string, segments: string[], version = 1): WireFlag {
  return {
    ...boolFlag(key, true, version),
    rules: [
      {
        id: 'in-segment',
        clauses: [{ attribute: 'key', op: 'segmentMatch', values: segments, negate: false }],
        serve: { variation: 1 },
      },
    ],
    fallthrough: { variation: 0 },
  }
}

/** A segment of exactly the `included` context keys. */
export function keySegment(key: string, included: string[], version = 1): WireSegment {
  return { key, version, included, excluded: [], rules: [], salt: key }
}

export interface FakeServerOptions {
  /** Send a put as soon as a stream connects (default true). */
  putOnConnect?: boolean
  /** Answer a resync with a put (default true). */
  answerResync?: boolean
  /** Interval of application pings; null sends none (default null). */
  pingIntervalMs?: number | null
}

export interface ReceivedMessage {
  socket: WebSocket
  message: ClientMessage
}

/**
 * A small in-test server speaking the Switchyard SDK protocol (stream and polling) on
 * 127.0.0.1, port 0. Every knob a test needs is a public field.
 */
export class FakeServer {
  readonly flags = new Map<string, WireFlag>()
  readonly segments = new Map<string, WireSegment>()
  version = 1
  /** HTTP status to refuse stream upgrades with; null accepts them. */
  streamStatus: number | null = null
  /** HTTP status to answer polls with instead of the flags; null serves them. */
  pollStatus: number | null = null
  /** Answers authorized polls itself instead of serving the flags; null serves them. */
  pollRespond: ((res: ServerResponse) => void) | null = null
  putOnConnect: boolean
  /** Close every stream with this code right after its first put (a crash-looping replica). */
  closeAfterPut: number | null = null
  answerResync: boolean
  pingIntervalMs: number | null
  readonly sockets = new Set<WebSocket>()
  readonly received: ReceivedMessage[] = []
  /** Close codes the server saw from clients. */
  readonly clientCloseCodes: number[] = []
  upgradeRequests: IncomingMessage[] = []
  pollRequests: IncomingMessage[] = []
  pollResponses: number[] = []
  readonly #http: Server
  readonly #wss = new WebSocketServer({ noServer: true })
  readonly #pingTimers = new Map<WebSocket, NodeJS.Timeout>()
  /** The raw socket under each stream's WebSocket. */
  readonly #rawSockets = new Map<WebSocket, Duplex>()
  #url = ''

  constructor(options: FakeServerOptions = {}) {
    this.putOnConnect = options.putOnConnect ?? true
    this.answerResync = options.answerResync ?? true
    this.pingIntervalMs = options.pingIntervalMs ?? null
    this.#http = createServer((req, res) => {
      if (req.url !== '/sdk/v1/flags') {
        res.writeHead(404).end()
        return
      }
      this.pollRequests.push(req)
      const status = !this.#authorized(req) ? 401 : this.pollStatus
      if (status !== null) {
        this.pollResponses.push(status)
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
        return
      }
      if (this.pollRespond) {
        this.pollResponses.push(200)
        this.pollRespond(res)
        return
      }
      const etag = `"v${this.version}"`
      if (req.headers['if-none-match'] === etag) {
        this.pollResponses.push(304)
        res.writeHead(304, { etag }).end()
        return
      }
      this.pollResponses.push(200)
      res
        .writeHead(200, { 'content-type': 'application/json', etag })
        .end(JSON.stringify(this.snapshot()))
    })
    this.#http.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head))
  }

  /** Base URL of the server, e.g. `http://127.0.0.1:54321`. */
  get url(): string {
    return this.#url
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject)
      this.#http.listen(port, '127.0.0.1', () => resolve())
    })
    const { port: bound } = this.#http.address() as AddressInfo
    this.#url = `http://127.0.0.1:${bound}`
    return this
  }

  snapshot(): { version: number; flags: WireFlag[]; segments: WireSegment[] } {
    return {
      version: this.version,
      flags: [...this.flags.values()],
      segments: [...this.segments.values()],
    }
  }

  /** Replaces the data without telling anyone (for polls and the next put). */
  setFlags(version: number, flags: WireFlag[]): void {
    this.version = version
    this.flags.clear()
    for (const flag of flags) this.flags.set(flag.key, flag)
  }

  /** Replaces the segments without telling anyone (for polls and the next put). */
  setSegments(segments: WireSegment[]): void {
    this.segments.clear()
    for (const segment of segments) this.segments.set(segment.key, segment)
  }

  /** Changes a segment at the next version and streams a patch to every client. */
  patchSegment(segment: WireSegment): number {
    this.version++
    this.segments.set(segment.key, segment)
    this.broadcast({ type: 'patch', version: this.version, segment })
    return this.version
  }

  /** Deletes a segment at the next version and streams it to every client. */
  removeSegment(key: string): number {
    this.version++
    this.segments.delete(key)
    this.broadcast({ type: 'delete', version: this.version, key, kind: 'segment' })
    return this.version
  }

  /** Changes a flag at the next version and streams a patch to every client. */
  patch(flag: WireFlag): number {
    this.version++
    this.flags.set(flag.key, flag)
    this.broadcast({ type: 'patch', version: this.version, flag })
    return this.version
  }

  /** Deletes a flag at the next version and streams it to every client. */
  remove(key: string): number {
    this.version++
    this.flags.delete(key)
    this.broadcast({ type: 'delete', version: this.version, key })
    return this.version
  }

  put(socket?: WebSocket): void {
    const message: ServerMessage = { type: 'put', ...this.snapshot() }
    if (socket) socket.send(JSON.stringify(message))
    else this.broadcast(message)
  }

  broadcast(message: ServerMessage | Record<string, unknown>): void {
    for (const socket of this.sockets) socket.send(JSON.stringify(message))
  }

  /** Closes every stream with a code (e.g. 1001 going away). */
  closeStreams(code: number, reason = ''): void {
    for (const socket of this.sockets) socket.close(code, reason)
  }

  /** Stops reading from every stream, so the server no longer answers, not even a close. */
  pauseStreams(): void {
    for (const socket of this.sockets) this.#rawSockets.get(socket)?.pause()
  }

  messagesOfType<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.received
      .map((r) => r.message)
      .filter((m): m is Extract<ClientMessage, { type: T }> => m.type === type)
  }

  async close(): Promise<void> {
    for (const timer of this.#pingTimers.values()) clearInterval(timer)
    for (const socket of this.sockets) socket.terminate()
    this.#wss.close()
    this.#http.closeAllConnections()
    await new Promise<void>((resolve) => this.#http.close(() => resolve()))
  }

  #authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${SDK_KEY}`
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgradeRequests.push(req)
    const status = !this.#authorized(req) ? 401 : this.streamStatus
    if (status !== null || !req.url?.startsWith('/sdk/v1/stream')) {
      socket.end(
        `HTTP/1.1 ${status ?? 404} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      )
      return
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#rawSockets.set(ws, socket)
      this.#onConnection(ws)
    })
  }

  #onConnection(ws: WebSocket): void {
    this.sockets.add(ws)
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ClientMessage
      this.received.push({ socket: ws, message })
      if (message.type === 'resync' && this.answerResync) this.put(ws)
    })
    ws.on('close', (code) => {
      this.clientCloseCodes.push(code)
      this.sockets.delete(ws)
      this.#rawSockets.delete(ws)
      clearInterval(this.#pingTimers.get(ws))
      this.#pingTimers.delete(ws)
    })
    if (this.putOnConnect) this.put(ws)
    if (this.closeAfterPut !== null) ws.close(this.closeAfterPut, 'going away')
    if (this.pingIntervalMs !== null) {
      const timer = setInterval(() => {
        ws.send(JSON.stringify({ type: 'ping', time: Date.now(), version: this.version }))
      }, this.pingIntervalMs)
      this.#pingTimers.set(ws, timer)
    }
  }
}

/** Starts a fake server on 127.0.0.1, port 0. */
export function startFakeServer(options?: FakeServerOptions): Promise<FakeServer> {
  return new FakeServer(options).listen()
}

/** Polls `condition` every 5 ms until it is truthy; fails after `timeoutMs`. */
export async function waitFor<T>(
  condition: () => T,
  timeoutMs = 3_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = condition()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Resolves after `ms`; only for asserting that something does NOT happen within a window. */
export function quietPeriod(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
