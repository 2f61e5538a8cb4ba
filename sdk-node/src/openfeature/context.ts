import type { EvaluationContext } from '@openfeature/server-sdk'
import type { Context } from '@switchyard/core'

/** How deep Dates are looked for in nested attributes; deeper values pass through as they are. */
const MAX_DEPTH = 32

/**
 * The Switchyard context for an OpenFeature evaluation context: `targetingKey` is the context
 * key and every other attribute passes through, with Dates as the RFC 3339 strings that `before`
 * and `after` compare. Without a string targetingKey a string `key` attribute is the key, as OFREP
 * reads it; without either, evaluation answers TARGETING_KEY_MISSING. Never mutates `context`.
 */
export function toSwitchyardContext(context: EvaluationContext): Context {
  // why: rest and spread define own properties, so an attribute named __proto__ stays an attribute
  const { targetingKey, ...attributes } = context
  const converted = withDates(attributes, 0) as Record<string, unknown>
  if (typeof targetingKey === 'string') return { ...converted, key: targetingKey }
  return converted as Context
}

/** `value` with every Date in it as an ISO string (an invalid Date as null); copies only what changes. */
function withDates(value: unknown, depth: number): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const converted = withDates(item, depth + 1)
      if (converted !== item) (copy ??= value.slice())[i] = converted
    }
    return copy ?? value
  }
  let copy: Record<string, unknown> | null = null
  for (const [name, item] of Object.entries(value)) {
    const converted = withDates(item, depth + 1)
    if (converted !== item) (copy ??= { ...value })[name] = converted
  }
  return copy ?? value
}
