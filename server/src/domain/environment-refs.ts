import { eq } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import { ValidationError } from './errors.js'

/**
 * A list filter naming an environment (`?env=`): an unknown one is a 400 at `env`, not an empty
 * list, so a typo cannot pass for "nothing changed".
 */
export async function requireEnvironmentFilter(db: Db | Tx, key: string | undefined) {
  if (key !== undefined) await requireEnvironmentField(db, key)
}

/**
 * An environment named in a request body (a trigger's, rollout's or schedule's `env`): unknown is
 * a wrong field, 400 at `path`, as an unknown `flag` beside it is. In the path it is 404.
 */
export async function requireEnvironmentField(db: Db | Tx, key: string, path = 'env') {
  const [row] = await db
    .select({ key: tables.environments.key })
    .from(tables.environments)
    .where(eq(tables.environments.key, key))
  if (!row) {
    throw new ValidationError([
      { path, code: 'not_found', message: `environment '${key}' does not exist` },
    ])
  }
}
