/** Why an evaluation returned its value. */
export type ReasonKind =
  'OFF' | 'TARGET_MATCH' | 'RULE_MATCH' | 'FALLTHROUGH' | 'PREREQUISITE_FAILED' | 'ERROR'

/**
 * Why the fallback was served. `STALE_DATA` comes only from an SDK client set up with
 * `maxDataAgeMs`: its data had not been confirmed by the server for that long.
 */
export type ErrorKind =
  | 'FLAG_NOT_FOUND'
  | 'MALFORMED_FLAG'
  | 'WRONG_TYPE'
  | 'CLIENT_NOT_READY'
  | 'USER_NOT_SPECIFIED'
  | 'STALE_DATA'

export type Reason =
  | { readonly kind: 'OFF' }
  | { readonly kind: 'TARGET_MATCH' }
  | {
      readonly kind: 'RULE_MATCH'
      readonly ruleIndex: number
      readonly ruleId: string
      readonly inRollout?: boolean
    }
  | { readonly kind: 'FALLTHROUGH'; readonly inRollout?: boolean }
  | { readonly kind: 'PREREQUISITE_FAILED'; readonly prerequisiteKey: string }
  | { readonly kind: 'ERROR'; readonly errorKind: ErrorKind }

/** The result of one evaluation. `variationIndex` is null when the fallback was served. */
export interface EvaluationDetail<T = unknown> {
  value: T
  variationIndex: number | null
  reason: Reason
}

/** The type a fallback stands for: `false` stands for boolean, `'x'` for string, `1` for number. */
export type Widen<T> = T extends boolean
  ? boolean
  : T extends string
    ? string
    : T extends number
      ? number
      : T
