import { errorReason, toOpenFeature, type Context, type EvaluationDetail } from '@switchyard/core'
import type { LiveSnapshot } from '../../stream/live-snapshot.js'

/** What a client key is told of a flag that is not clientSide: the same as of a missing one. */
const NOT_FOUND_DETAIL: EvaluationDetail = Object.freeze({
  value: undefined,
  variationIndex: null,
  reason: errorReason('FLAG_NOT_FOUND'),
})

/**
 * Evaluates flags of an environment's live snapshot, with the same compiled data the stream
 * sends: all flags (by key) when `key` is undefined. A client key sees clientSide flags only; any
 * other flag evaluates as a missing one. No fallback type check: OFREP callers have none.
 */
export function evaluateFlags(
  snapshot: LiveSnapshot,
  context: Context,
  key: string | undefined,
  clientSideOnly: boolean,
): Array<{ key: string; detail: EvaluationDetail }> {
  const visible = (k: string) => !clientSideOnly || snapshot.flags.get(k)?.clientSide === true
  const keys = key === undefined ? [...snapshot.flags.keys()].filter(visible).sort() : [key]
  return keys.map((k) => ({
    key: k,
    detail: visible(k)
      ? (snapshot.store.variationDetail(k, context, undefined) as EvaluationDetail)
      : NOT_FOUND_DETAIL,
  }))
}

/** OpenFeature's `targetingKey` is Switchyard's context `key`. */
export function toContext(context: Record<string, unknown>): Context {
  const { targetingKey, ...attributes } = context
  return (
    typeof targetingKey === 'string' ? { ...attributes, key: targetingKey } : attributes
  ) as Context
}

/** An evaluation as OFREP's result: a value with its reason and variant, or an error code. */
export function toResult(key: string, detail: EvaluationDetail) {
  const resolved = toOpenFeature(detail)
  if (resolved.errorCode)
    return {
      key,
      errorCode: resolved.errorCode,
      errorDetails: resolved.errorMessage ?? resolved.errorCode,
    }
  return {
    key,
    value: resolved.value,
    reason: resolved.reason,
    variant: resolved.variant,
    metadata: {},
  }
}
