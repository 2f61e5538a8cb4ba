import type { MiddlewareHandler } from 'hono'
import type { DomainDeps } from '../../domain/write-transaction.js'
import {
  createTokenAuthenticator,
  hasRole,
  type Principal,
  type Role,
} from '../../domain/token-auth.js'
import type { AppEnv } from '../env.js'
import { forbidden, unauthorized } from '../problem.js'

function readBearer(header: string | undefined): string | null {
  if (!header) return null
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header.trim())
  return match ? match[1]! : null
}

/** One token authenticator (and its cache) per server, shared by all its routers. */
const authenticators = new WeakMap<
  DomainDeps['bus'],
  (token: string) => Promise<Principal | null>
>()

/**
 * Requires an API token. Readers may only read (GET/HEAD); writes need `write`, and
 * tokens, keys and environments need `admin`.
 */
export function requireRole(deps: DomainDeps, role: Role | 'by-method'): MiddlewareHandler<AppEnv> {
  let authenticate = authenticators.get(deps.bus)
  if (!authenticate) {
    authenticate = createTokenAuthenticator(deps.db, deps.bus)
    authenticators.set(deps.bus, authenticate)
  }
  const lookup = authenticate
  return async (c, next) => {
    const token = readBearer(c.req.header('authorization'))
    if (!token) throw unauthorized()
    const principal = await lookup(token)
    if (!principal) throw unauthorized('The bearer token is unknown or revoked')
    const needed: Role =
      role === 'by-method'
        ? c.req.method === 'GET' || c.req.method === 'HEAD'
          ? 'reader'
          : 'writer'
        : role
    if (!hasRole(principal.role, needed)) {
      throw forbidden(
        `This needs the ${needed} role; the token '${principal.name}' is a ${principal.role}`,
      )
    }
    c.set('principal', principal)
    await next()
  }
}
