import { fail } from './problem.js'

/**
 * The path of the context key, the default rollout `bucketBy`.
 * perf: not frozen, like every array the evaluator indexes (see compile-flag.ts, FROZEN ARRAYS).
 */
export const KEY_PATH: readonly string[] = ['key']

/**
 * Splits an attribute reference on dots: `'device.os'` is `['device', 'os']`. Attribute names
 * containing a dot cannot be referenced. Throws a CompileProblem for an empty segment.
 */
export function parseAttributePath(attribute: unknown, at: string): readonly string[] {
  if (typeof attribute !== 'string' || attribute === '') fail(at, 'must be a non-empty string')
  if (attribute === 'key') return KEY_PATH
  const path = attribute.split('.')
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '') fail(at, `empty segment in attribute path ${JSON.stringify(attribute)}`)
  }
  // perf: not frozen (see compile-flag.ts, FROZEN ARRAYS); typed readonly instead
  return path
}
