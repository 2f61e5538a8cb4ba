/** Thrown inside the compiler only; `compileFlag` turns it into a malformed flag. */
export class CompileProblem extends Error {
  constructor(at: string, message: string) {
    super(at === '' ? message : `${at}: ${message}`)
    this.name = 'CompileProblem'
  }
}

export function fail(at: string, message: string): never {
  throw new CompileProblem(at, message)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function isIndex(value: unknown, length: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < length
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return `a value of type ${typeof value}`
}
