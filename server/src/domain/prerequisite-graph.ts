import { eq, inArray } from 'drizzle-orm'
import type { Tx } from '../db/client.js'
import * as tables from '../db/schema/index.js'
import type { FieldError } from './errors.js'
import type { ConfigInput } from './flag-validation.js'

/**
 * Checks a config's prerequisites: each names another flag that exists and one of its
 * variations, and the prerequisite graph of the environment stays free of cycles.
 */
export async function checkPrerequisites(
  tx: Tx,
  flagKey: string,
  env: string,
  config: ConfigInput,
): Promise<FieldError[]> {
  const errors: FieldError[] = []
  if (config.prerequisites.length === 0) return errors
  const keys = config.prerequisites.map((p) => p.flag)
  const rows = await tx
    .select({ key: tables.flags.key, variations: tables.flags.variations })
    .from(tables.flags)
    .where(inArray(tables.flags.key, keys))
  const byKey = new Map(rows.map((r) => [r.key, r.variations.length]))
  config.prerequisites.forEach((p, i) => {
    if (p.flag === flagKey) {
      errors.push({
        path: `prerequisites.${i}.flag`,
        code: 'cycle',
        message: 'a flag cannot be its own prerequisite',
      })
      return
    }
    const count = byKey.get(p.flag)
    if (count === undefined)
      errors.push({
        path: `prerequisites.${i}.flag`,
        code: 'not_found',
        message: `flag '${p.flag}' does not exist`,
      })
    else if (p.variation >= count)
      errors.push({
        path: `prerequisites.${i}.variation`,
        code: 'out_of_range',
        message: `flag '${p.flag}' has no variation ${p.variation}`,
      })
  })
  if (errors.length > 0) return errors
  // Walk the prerequisite graph of this environment to refuse cycles.
  const all = await tx
    .select({ flagKey: tables.flagConfigs.flagKey, config: tables.flagConfigs.config })
    .from(tables.flagConfigs)
    .where(eq(tables.flagConfigs.envKey, env))
  const edges = new Map(all.map((r) => [r.flagKey, r.config.prerequisites.map((p) => p.flag)]))
  edges.set(flagKey, keys)
  const visiting = new Set<string>()
  const done = new Set<string>()
  const visit = (key: string): boolean => {
    if (visiting.has(key)) return true
    if (done.has(key)) return false
    visiting.add(key)
    for (const next of edges.get(key) ?? []) if (visit(next)) return true
    visiting.delete(key)
    done.add(key)
    return false
  }
  if (visit(flagKey))
    errors.push({ path: 'prerequisites', code: 'cycle', message: 'prerequisites form a cycle' })
  return errors
}
