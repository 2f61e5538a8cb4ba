import type { Principal } from '../domain/token-auth.js'

/** Hono context variables set by the middleware. */
export interface AppEnv {
  Variables: {
    requestId: string
    principal: Principal
  }
}
