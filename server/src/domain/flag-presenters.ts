import type { FlagConfigRow, FlagRow } from '../db/schema/index.js'

/** A flag as the API shows it, without its per-environment configs. */
export function describeFlag(row: FlagRow) {
  return {
    key: row.key,
    name: row.name,
    description: row.description,
    kind: row.kind,
    variations: row.variations,
    tags: row.tags,
    clientSide: row.clientSide,
    temporary: row.temporary,
    safetyValve: row.safetyValve,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** A flag's config in one environment as the API shows it, with its kill state at a glance. */
export function describeConfig(row: FlagConfigRow) {
  return {
    flag: row.flagKey,
    env: row.envKey,
    version: row.version,
    ...row.config,
    // Kill state at a glance: globally off, and any targeted kill rules in front.
    killSwitch: {
      killed: !row.config.on,
      rules: row.config.rules.filter((r) => r.kill).map((r) => ({ id: r.id, clauses: r.clauses })),
    },
    updatedAt: row.updatedAt.toISOString(),
  }
}
