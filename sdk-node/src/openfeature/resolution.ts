import {
  ErrorCode,
  type EvaluationContext,
  type FlagMetadata,
  type FlagValue,
  type FlagValueType,
  type ResolutionDetails,
} from '@openfeature/server-sdk'
import {
  errorReason,
  toOpenFeature,
  type ErrorKind,
  type EvaluationDetail,
  type OpenFeatureErrorCode,
} from '@switchyard/core'
import type { SwitchyardClient } from '../types.js'
import { toSwitchyardContext } from './context.js'

const REASON_NOT_READY = errorReason('CLIENT_NOT_READY')
const REASON_WRONG_TYPE = errorReason('WRONG_TYPE')

/** Whether a served value is of the type a resolver promises. */
const IS_TYPE: Record<FlagValueType, (value: unknown) => boolean> = {
  boolean: (value) => typeof value === 'boolean',
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number',
  // an OpenFeature structure: a JSON object or array, never null or a scalar
  object: (value) => typeof value === 'object' && value !== null,
}

// why: toOpenFeature names the codes as strings; the SDK types them as its ErrorCode enum
const ERROR_CODES: Record<OpenFeatureErrorCode, ErrorCode> = {
  PROVIDER_NOT_READY: ErrorCode.PROVIDER_NOT_READY,
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  PARSE_ERROR: ErrorCode.PARSE_ERROR,
  TYPE_MISMATCH: ErrorCode.TYPE_MISMATCH,
  TARGETING_KEY_MISSING: ErrorCode.TARGETING_KEY_MISSING,
  INVALID_CONTEXT: ErrorCode.INVALID_CONTEXT,
  GENERAL: ErrorCode.GENERAL,
}

/**
 * Evaluates a flag with the client (in memory, no I/O) and answers in OpenFeature's terms:
 * reasons and error codes come from core's `toOpenFeature`, the variant is the served
 * variation's index, and a value of another type than `type` is never served (TYPE_MISMATCH).
 * With no client (a provider not initialized) it answers PROVIDER_NOT_READY. Never throws.
 */
export function resolveFlag<T extends FlagValue>(
  client: SwitchyardClient | null,
  flagKey: string,
  defaultValue: T,
  context: EvaluationContext,
  type: FlagValueType,
): ResolutionDetails<T> {
  let detail: EvaluationDetail =
    client === null
      ? { value: defaultValue, variationIndex: null, reason: REASON_NOT_READY }
      : client.variationDetail(flagKey, toSwitchyardContext(context), defaultValue)
  // why: the client checks a value against the default's type, and accepts any value for a null
  // default (which an object flag may have); each resolver promises its own type regardless
  if (detail.variationIndex !== null && !IS_TYPE[type](detail.value)) {
    detail = { value: defaultValue, variationIndex: null, reason: REASON_WRONG_TYPE }
  }
  const resolved = toOpenFeature(detail)
  const flagMetadata = metadataOf(detail, client)
  const reason = detail.reason
  if (reason.kind !== 'ERROR') {
    return {
      value: resolved.value as T,
      variant: resolved.variant,
      reason: resolved.reason,
      flagMetadata,
    }
  }
  return {
    value: defaultValue,
    reason: resolved.reason,
    errorCode: ERROR_CODES[resolved.errorCode ?? 'GENERAL'],
    errorMessage: describeError(reason.errorKind, flagKey, type, client),
    flagMetadata,
  }
}

/**
 * What is true about the evaluation beyond its value: the environment version of the data it
 * ran on, and the rule that matched or the prerequisite that failed.
 */
function metadataOf(detail: EvaluationDetail, client: SwitchyardClient | null): FlagMetadata {
  const metadata: FlagMetadata = {}
  const version = client?.dataVersion ?? -1
  if (version >= 0) metadata.environmentVersion = version
  const reason = detail.reason
  if (reason.kind === 'RULE_MATCH') {
    metadata.ruleId = reason.ruleId
    metadata.ruleIndex = reason.ruleIndex
  } else if (reason.kind === 'PREREQUISITE_FAILED') {
    metadata.prerequisiteKey = reason.prerequisiteKey
  }
  return metadata
}

/** The error message of a failed evaluation: what failed, for which flag. */
function describeError(
  kind: ErrorKind,
  flagKey: string,
  type: FlagValueType,
  client: SwitchyardClient | null,
): string {
  switch (kind) {
    case 'FLAG_NOT_FOUND':
      return `flag ${flagKey} not found`
    case 'MALFORMED_FLAG':
      return `flag ${flagKey} could not be evaluated: its configuration is malformed`
    case 'WRONG_TYPE':
      return `flag ${flagKey} did not serve a ${type} value`
    case 'CLIENT_NOT_READY':
      return `flag ${flagKey} not evaluated: the Switchyard client has no flag data yet`
    case 'USER_NOT_SPECIFIED':
      return `flag ${flagKey} not evaluated: the evaluation context has no targetingKey`
    case 'STALE_DATA': {
      const confirmed = client?.lastUpdated?.toISOString() ?? 'never'
      return (
        `flag ${flagKey} not evaluated: the server has not confirmed the flag data within ` +
        `maxDataAgeMs (last confirmed: ${confirmed})`
      )
    }
  }
}
