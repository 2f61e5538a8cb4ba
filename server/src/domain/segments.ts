import { randomUUID } from 'node:crypto'
import { compileSegment, type Segment } from '@switchyard/core'
import { and, asc, eq } from 'drizzle-orm'
import type { Db, Tx } from '../db/client.js'
import { isUniqueViolation } from '../db/errors.js'
import * as tables from '../db/schema/index.js'
import type { PutSegmentBody } from '../schemas/segment.js'
import { recordChange } from './changes.js'
import {
  writeTransaction,
  type ChangeActor,
  type DomainDeps,
  type WriteContext,
} from './write-transaction.js'
import { ConflictError, NotFoundError, ValidationError, VersionConflictError } from './errors.js'
import { getEnvironment } from './environments.js'
import { problemToError } from './flag-validation.js'
import { newSalt } from './flag-defaults.js'
import { unsafePatternErrors } from './pattern-safety.js'
import { toWireSegment } from './wire.js'

type SegmentRow = typeof tables.segments.$inferSelect

export function describeSegment(row: SegmentRow) {
  return {
    key: row.key,
    env: row.envKey,
    name: row.name,
    description: row.description,
    version: row.version,
    included: row.definition.included,
    excluded: row.definition.excluded,
    rules: row.definition.rules,
    salt: row.definition.salt,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** A listing entry: counts instead of the (possibly huge) key lists. */
function summarizeSegment(row: SegmentRow) {
  const { included, excluded, ...rest } = describeSegment(row)
  return { ...rest, includedCount: included.length, excludedCount: excluded.length }
}

export async function loadSegment(db: Db | Tx, env: string, key: string, lock = false) {
  const query = db
    .select()
    .from(tables.segments)
    .where(and(eq(tables.segments.envKey, env), eq(tables.segments.key, key)))
  const [row] = lock ? await query.for('update') : await query
  return row
}

export async function getSegment(db: Db, env: string, key: string) {
  await getEnvironment(db, env)
  const row = await loadSegment(db, env, key)
  if (!row) throw new NotFoundError('segment', key)
  return describeSegment(row)
}

export async function listSegments(db: Db, env: string) {
  await getEnvironment(db, env)
  const rows = await db
    .select()
    .from(tables.segments)
    .where(eq(tables.segments.envKey, env))
    .orderBy(asc(tables.segments.key))
  return rows.map(summarizeSegment)
}

/** Flags of an environment whose rules refer to `segment` through segmentMatch. */
export async function flagsUsingSegment(
  tx: Db | Tx,
  env: string,
  segment: string,
): Promise<string[]> {
  const rows = await tx
    .select({ flagKey: tables.flagConfigs.flagKey, config: tables.flagConfigs.config })
    .from(tables.flagConfigs)
    .where(eq(tables.flagConfigs.envKey, env))
  return rows
    .filter((r) =>
      r.config.rules.some((rule) =>
        rule.clauses.some((c) => c.op === 'segmentMatch' && c.values.includes(segment)),
      ),
    )
    .map((r) => r.flagKey)
    .sort()
}

function dedupe(keys: string[]): string[] {
  return [...new Set(keys)]
}

/** Creates or replaces a segment; answers whether it was created. */
export async function putSegment(
  deps: DomainDeps,
  who: ChangeActor,
  env: string,
  key: string,
  input: Omit<PutSegmentBody, 'comment'>,
  ifMatch?: number,
) {
  const put = () =>
    writeTransaction(deps, (tx, w) => putSegmentInTx(tx, w, who, env, key, input, ifMatch))
  try {
    return await put()
  } catch (error) {
    // why: two PUTs creating one segment at once both find no row, and the second insert hits
    // the key. A PUT replaces: run again, it finds the winner's row and replaces it, as a PUT
    // that came second would (an If-Match it carried is checked against that row)
    if (!isUniqueViolation(error, 'segments_pk')) throw error
    return put()
  }
}

export async function putSegmentInTx(
  tx: Tx,
  w: WriteContext,
  who: ChangeActor,
  env: string,
  key: string,
  input: Omit<PutSegmentBody, 'comment'>,
  ifMatch?: number,
  action?: string,
) {
  await getEnvironment(tx, env)
  const current = await loadSegment(tx, env, key, true)
  if (ifMatch !== undefined && ifMatch !== (current?.version ?? 0))
    throw new VersionConflictError(ifMatch, current?.version ?? 0)
  const definition: Segment = {
    key,
    included: dedupe(input.included),
    excluded: dedupe(input.excluded),
    rules: input.rules.map((r) => ({ ...r, id: r.id ?? randomUUID() })),
    salt: current?.definition.salt ?? newSalt(),
  }
  // The evaluator is the last judge: regexes, dates and versions in rules must compile.
  const compiled = compileSegment({ ...definition, version: 0 })
  if (compiled.problem)
    throw new ValidationError([problemToError(compiled.problem, 'invalid_segment')])
  const unsafe = unsafePatternErrors(definition.rules, current?.definition.rules)
  if (unsafe.length) throw new ValidationError(unsafe)
  const values = {
    name: input.name ?? current?.name ?? '',
    description: input.description ?? current?.description ?? '',
    definition,
    version: (current?.version ?? 0) + 1,
    updatedAt: new Date(),
  }
  const [row] = current
    ? await tx
        .update(tables.segments)
        .set(values)
        .where(and(eq(tables.segments.envKey, env), eq(tables.segments.key, key)))
        .returning()
    : await tx
        .insert(tables.segments)
        .values({ envKey: env, key, ...values })
        .returning()
  const version = await w.touch(env, { segments: [toWireSegment(row!)] })
  const after = describeSegment(row!)
  await recordChange(tx, {
    ...who,
    action: action ?? (current ? 'segment.replace' : 'segment.create'),
    env,
    flag: null,
    before: current ? describeSegment(current) : null,
    after,
    version,
  })
  return { created: !current, segment: after }
}

export async function deleteSegment(deps: DomainDeps, who: ChangeActor, env: string, key: string) {
  return writeTransaction(deps, (tx, w) => deleteSegmentInTx(tx, w, who, env, key))
}

export async function deleteSegmentInTx(
  tx: Tx,
  w: WriteContext,
  who: ChangeActor,
  env: string,
  key: string,
  action = 'segment.delete',
) {
  await getEnvironment(tx, env)
  const current = await loadSegment(tx, env, key, true)
  if (!current) throw new NotFoundError('segment', key)
  const users = await flagsUsingSegment(tx, env, key)
  if (users.length > 0) {
    throw new ConflictError(`segment '${key}' is used by flags: ${users.join(', ')}`, {
      usedBy: users.map((flag) => ({ flag, env })),
    })
  }
  await tx
    .delete(tables.segments)
    .where(and(eq(tables.segments.envKey, env), eq(tables.segments.key, key)))
  const version = await w.touch(env, { deletedSegments: [key] })
  await recordChange(tx, { ...who, action, env, before: describeSegment(current), version })
}
