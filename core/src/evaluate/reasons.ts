import type { ErrorKind, Reason } from '../model/reason.js'

// Shared frozen reasons: the evaluation path never allocates one.

/** The flag is off and served its offVariation. */
export const REASON_OFF: Reason = Object.freeze({ kind: 'OFF' })

/** The context key is listed in one of the flag's individual targets. */
export const REASON_TARGET_MATCH: Reason = Object.freeze({ kind: 'TARGET_MATCH' })

/** No target or rule matched; the fallthrough served a fixed variation. */
export const REASON_FALLTHROUGH: Reason = Object.freeze({ kind: 'FALLTHROUGH' })

/** No target or rule matched; the fallthrough served a percentage rollout. */
export const REASON_FALLTHROUGH_ROLLOUT: Reason = Object.freeze({
  kind: 'FALLTHROUGH',
  inRollout: true,
})

const ERROR_REASONS: Readonly<Record<ErrorKind, Reason>> = Object.freeze({
  FLAG_NOT_FOUND: Object.freeze({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' }),
  MALFORMED_FLAG: Object.freeze({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' }),
  WRONG_TYPE: Object.freeze({ kind: 'ERROR', errorKind: 'WRONG_TYPE' }),
  CLIENT_NOT_READY: Object.freeze({ kind: 'ERROR', errorKind: 'CLIENT_NOT_READY' }),
  USER_NOT_SPECIFIED: Object.freeze({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' }),
  STALE_DATA: Object.freeze({ kind: 'ERROR', errorKind: 'STALE_DATA' }),
})

/** The shared frozen `ERROR` reason for `errorKind`. */
export function errorReason(errorKind: ErrorKind): Reason {
  return ERROR_REASONS[errorKind]
}

/** A frozen `RULE_MATCH` reason; built once per rule at compile time. */
export function createRuleMatchReason(
  ruleIndex: number,
  ruleId: string,
  inRollout: boolean,
): Reason {
  return Object.freeze(
    inRollout
      ? { kind: 'RULE_MATCH', ruleIndex, ruleId, inRollout: true }
      : { kind: 'RULE_MATCH', ruleIndex, ruleId },
  )
}

/** A frozen `PREREQUISITE_FAILED` reason; built once per prerequisite at compile time. */
export function createPrerequisiteFailedReason(prerequisiteKey: string): Reason {
  return Object.freeze({ kind: 'PREREQUISITE_FAILED', prerequisiteKey })
}
