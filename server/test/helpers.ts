import { pino } from 'pino'
import { readConfig } from '../src/config.js'
import type { Database } from '../src/db/client.js'
import { startServer, type RunningServer, type StartOptions } from '../src/server.js'

export const ADMIN_TOKEN = 'sy_tok_test-admin-token-0123456789'

export const silentLogger = pino({ level: 'silent' })

export interface TestServer extends RunningServer {
  /** fetch against the server with the admin token (or `token`), JSON in and out. */
  api(
    method: string,
    path: string,
    body?: unknown,
    init?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<ApiResponse>
}

export interface ApiResponse {
  status: number
  headers: Headers
  body: any
}

export async function startTestServer(
  database: Database,
  env: Record<string, string> = {},
  options: Pick<StartOptions, 'clock' | 'resolveHost'> = {},
): Promise<TestServer> {
  const config = readConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SWITCHYARD_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...env,
  })
  const running = await startServer({ config, logger: silentLogger, database, ...options })
  const api: TestServer['api'] = async (method, path, body, init = {}) => {
    const headers: Record<string, string> = { ...init.headers }
    const token = init.token === undefined ? ADMIN_TOKEN : init.token
    if (token) headers.authorization = `Bearer ${token}`
    let payload: string | undefined
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body)
      headers['content-type'] ??= 'application/json'
    }
    const res = await fetch(running.url + path, { method, headers, body: payload })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // keep text
    }
    return { status: res.status, headers: res.headers, body: parsed }
  }
  return Object.assign(running, { api })
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`,
  )
}
