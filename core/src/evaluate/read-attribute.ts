/**
 * Reads an attribute path from a context: own properties of plain objects only (never the
 * prototype chain, never through arrays). Returns undefined when any step is missing.
 */
export function readAttribute(context: object, path: readonly string[]): unknown {
  let value: unknown = context
  for (let i = 0; i < path.length; i++) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    const name = path[i] as string
    if (!Object.hasOwn(value, name)) return undefined
    value = (value as Record<string, unknown>)[name]
  }
  return value
}
