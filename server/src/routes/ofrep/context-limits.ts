/** How large a context OFREP evaluates: the server runs rules on it, so its size is the caller's lever. */
export interface OfrepLimits {
  /** Largest request body in bytes (SWITCHYARD_OFREP_MAX_BODY_BYTES). */
  maxBodyBytes: number
  /** Longest string value or attribute name, in UTF-16 code units (SWITCHYARD_OFREP_MAX_STRING). */
  maxStringLength: number
}

export const DEFAULT_OFREP_LIMITS: OfrepLimits = { maxBodyBytes: 64 * 1024, maxStringLength: 1024 }

/** Levels of objects and arrays below the context itself (`a.b.c` is 3). */
export const MAX_CONTEXT_DEPTH = 10

/** Attributes and array elements in all, at any depth. */
export const MAX_CONTEXT_VALUES = 1000

/** A path as the error names it, cut short so that a huge name is not echoed back. */
function named(path: readonly (string | number)[]): string {
  const text = path.join('.')
  return text.length > 80 ? `${text.slice(0, 80)}…` : text
}

/**
 * Why a context is too large to evaluate, naming the attribute; null when it is within bounds.
 * Walks without recursion and stops at the first problem, so a hostile body costs one pass.
 */
export function contextLimitError(
  context: Record<string, unknown>,
  maxStringLength: number,
): string | null {
  const stack: Array<{ value: unknown; path: (string | number)[] }> = [{ value: context, path: [] }]
  let values = 0
  while (stack.length > 0) {
    const { value, path } = stack.pop()!
    if (typeof value === 'string') {
      if (value.length > maxStringLength)
        return `attribute '${named(path)}' is longer than ${maxStringLength} characters`
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (path.length >= MAX_CONTEXT_DEPTH)
      return `attribute '${named(path)}' nests objects or arrays deeper than ${MAX_CONTEXT_DEPTH} levels`
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? [...value.entries()]
      : Object.entries(value)
    values += entries.length
    if (values > MAX_CONTEXT_VALUES)
      return `the context holds more than ${MAX_CONTEXT_VALUES} attributes and array elements`
    for (let i = entries.length - 1; i >= 0; i--) {
      const [name, item] = entries[i]!
      if (typeof name === 'string' && name.length > maxStringLength) {
        const where = path.length > 0 ? `in '${named(path)}'` : 'of the context'
        return `an attribute name ${where} is longer than ${maxStringLength} characters`
      }
      stack.push({ value: item, path: [...path, name] })
    }
  }
  return null
}
