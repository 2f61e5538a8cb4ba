import { NAMES, READER_COUNT, readNamed } from './named-readers.js'

/**
 * Reads an attribute path from a context: own properties of plain objects only (never the
 * prototype chain, never through arrays). Returns undefined when any step is missing.
 */
export function readAttribute(context: object, path: readonly string[]): unknown {
  return readPathFrom(context, path, 0)
}

function readPathFrom(start: unknown, path: readonly string[], from: number): unknown {
  let value = start
  for (let i = from; i < path.length; i++) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    const name = path[i] as string
    if (!Object.hasOwn(value, name)) return undefined
    value = (value as Record<string, unknown>)[name]
  }
  return value
}

const readers = new Map<string, number>()

/**
 * The reader of a path's first step (see named-readers.ts), registered on first use for the
 * life of the process: the first READER_COUNT distinct top-level attribute names get one each;
 * -1 for later names, which are read generically (same result, slower).
 */
export function readerOf(path: readonly string[]): number {
  const name = path[0]
  if (name === undefined) return -1
  const known = readers.get(name)
  if (known !== undefined) return known
  if (NAMES.length >= READER_COUNT) return -1
  const reader = NAMES.length
  NAMES.push(name)
  readers.set(name, reader)
  return reader
}

/**
 * readAttribute(context, path), with `reader` = readerOf(path) (or -1) for the first step.
 * The value is the same; a getter or Proxy `get` trap of the first step may run before its own
 * property check (an inherited getter runs, but what it returns is never used).
 */
export function readAttributeWith(
  context: object,
  path: readonly string[],
  reader: number,
): unknown {
  if (reader < 0) return readPathFrom(context, path, 0)
  if (Array.isArray(context)) return undefined
  const value = readNamed(context as Record<string, unknown>, reader)
  return path.length === 1 ? value : readPathFrom(value, path, 1)
}
