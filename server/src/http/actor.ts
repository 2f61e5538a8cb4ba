import type { Context } from 'hono'
import type { ChangeActor } from '../domain/write-transaction.js'
import type { AppEnv } from './env.js'

/** The longest reason taken from the header, as for the body's `comment`. */
const MAX_COMMENT = 2000

/**
 * Who makes a change and why, for the change record: the token's name, and the body's
 * `comment`, else the `X-Switchyard-Comment` header (cut at 2,000 characters), else none.
 */
export function changeActor(c: Context<AppEnv>, comment?: string | null): ChangeActor {
  const header = c.req.header('x-switchyard-comment')?.trim()
  return {
    actor: c.get('principal').name,
    comment: comment ?? (header ? header.slice(0, MAX_COMMENT) : null),
  }
}
