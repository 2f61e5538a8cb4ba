import type { EvaluationDetail, ErrorKind } from '../model/reason.js'

/** OpenFeature error codes (the OFREP and provider vocabulary). */
export type OpenFeatureErrorCode =
  | 'PROVIDER_NOT_READY'
  | 'FLAG_NOT_FOUND'
  | 'PARSE_ERROR'
  | 'TYPE_MISMATCH'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'GENERAL'

export interface OpenFeatureResolution {
  value: unknown
  /** The served variation's index as a string; absent when nothing was served. */
  variant?: string
  /** STATIC, DEFAULT, TARGETING_MATCH, SPLIT, DISABLED, ERROR, or PREREQUISITE_FAILED. */
  reason: string
  errorCode?: OpenFeatureErrorCode
  errorMessage?: string
}

const ERROR_CODES: Record<ErrorKind, OpenFeatureErrorCode> = {
  FLAG_NOT_FOUND: 'FLAG_NOT_FOUND',
  MALFORMED_FLAG: 'PARSE_ERROR',
  WRONG_TYPE: 'TYPE_MISMATCH',
  CLIENT_NOT_READY: 'PROVIDER_NOT_READY',
  USER_NOT_SPECIFIED: 'TARGETING_KEY_MISSING',
  // why: OpenFeature has no code for it; its STALE reason means a value was served anyway
  STALE_DATA: 'GENERAL',
}

/**
 * Maps an evaluation to OpenFeature's reasons and error codes: the one place that does (OFREP
 * and any OpenFeature provider use it). Never throws.
 */
export function toOpenFeature(detail: EvaluationDetail): OpenFeatureResolution {
  const reason = detail.reason
  const variant = detail.variationIndex === null ? undefined : String(detail.variationIndex)
  switch (reason.kind) {
    case 'OFF':
      return { value: detail.value, variant, reason: 'DISABLED' }
    case 'TARGET_MATCH':
      return { value: detail.value, variant, reason: 'TARGETING_MATCH' }
    case 'RULE_MATCH':
      return {
        value: detail.value,
        variant,
        reason: reason.inRollout ? 'SPLIT' : 'TARGETING_MATCH',
      }
    case 'FALLTHROUGH':
      return { value: detail.value, variant, reason: reason.inRollout ? 'SPLIT' : 'DEFAULT' }
    case 'PREREQUISITE_FAILED':
      return { value: detail.value, variant, reason: 'PREREQUISITE_FAILED' }
    case 'ERROR':
      return {
        value: detail.value,
        reason: 'ERROR',
        errorCode: ERROR_CODES[reason.errorKind] ?? 'GENERAL',
        errorMessage: reason.errorKind,
      }
  }
}
