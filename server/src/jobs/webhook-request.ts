import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { hostOf, type WebhookTargetPolicy } from '../domain/webhook-targets.js'

/** The delivery log's text for a refused target: nothing of what the name resolved to. */
export const TARGET_NOT_ALLOWED = 'target address not allowed'

class TargetNotAllowedError extends Error {
  readonly code = 'ETARGETNOTALLOWED'
  constructor() {
    super(TARGET_NOT_ALLOWED)
    this.name = 'TargetNotAllowedError'
  }
}

/**
 * A `lookup` for the socket: resolves the name, refuses it when ANY address is not allowed, and
 * hands the socket only the addresses it checked, so a name that resolves elsewhere between the
 * check and the connection (DNS rebinding) cannot get through.
 */
export function checkedLookup(policy: WebhookTargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const done = callback as (
      error: Error | null,
      address?: string | Array<{ address: string; family: number }>,
      family?: number,
    ) => void
    policy.resolve(hostname).then(
      (resolved) => {
        if (!resolved.every((a) => policy.allows(a.address)))
          return done(new TargetNotAllowedError())
        const family = options.family === 4 || options.family === 6 ? options.family : 0
        const usable = resolved.filter((a) => family === 0 || a.family === family)
        const first = usable[0]
        if (!first) {
          const error = new Error(`no address for ${hostname}`) as NodeJS.ErrnoException
          error.code = 'ENOTFOUND'
          return done(error)
        }
        if (options.all) return done(null, usable)
        return done(null, first.address, first.family)
      },
      (error: unknown) => done(error as Error),
    )
  }
}

export interface WebhookResponse {
  status: number
}

/**
 * POSTs `body` to `url` without following redirects (a 3xx is answered as it is), connecting
 * only to addresses the policy allows. Resolves with the status once the headers are in; the
 * response body is not read.
 */
export function postWebhook(
  url: string,
  init: {
    headers: Record<string, string>
    body: string
    timeoutMs: number
    policy: WebhookTargetPolicy
  },
): Promise<WebhookResponse> {
  const target = new URL(url)
  const host = hostOf(target)
  // The socket does not look up an IP address, so a literal one is checked here.
  if (isIP(host) && !init.policy.allows(host)) return Promise.reject(new TargetNotAllowedError())
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(target, {
      method: 'POST',
      headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
      lookup: checkedLookup(init.policy),
      // why: no pooled socket; each delivery resolves and checks its target again.
      agent: false,
      signal: AbortSignal.timeout(init.timeoutMs),
    })
    req.once('response', (res) => {
      resolve({ status: res.statusCode ?? 0 })
      res.destroy()
    })
    req.once('error', reject)
    req.end(init.body)
  })
}

/**
 * A delivery error as the delivery log shows it: what kind of failure, never an address, a port
 * or the text of a socket error.
 */
export function describeDeliveryError(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  if (e.code === 'ETARGETNOTALLOWED') return TARGET_NOT_ALLOWED
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out'
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return 'host not found'
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset'
    case 'ETIMEDOUT':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'host unreachable'
  }
  if (e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT') || e.code?.startsWith('ERR_SSL'))
    return 'TLS handshake failed'
  return 'request failed'
}
