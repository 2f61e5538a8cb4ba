import { createHash } from 'node:crypto'

/** The same JSON for the same data whatever the key order, for hashing. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * The bulk answer depends on the flags and the context, so its ETag covers both: a client that
 * keeps its ETag across a context change (the OpenFeature web provider does) gets fresh values.
 */
export function bulkEtag(dataEtag: string, context: Record<string, unknown>): string {
  const digest = createHash('sha256').update(stableJson(context)).digest('base64url').slice(0, 16)
  return `${dataEtag.slice(0, -1)}-${digest}"`
}

/**
 * A client key's bulk ETag: a digest of the answer itself. The data ETag would tell a public key
 * the environment's key and version, and so when any flag it cannot see changed.
 */
export function clientBulkEtag(body: unknown): string {
  return `"c-${createHash('sha256').update(stableJson(body)).digest('base64url').slice(0, 22)}"`
}
