export type { JsonValue } from './model/json.js'
export type { Context } from './model/context.js'
export type { Segment, SegmentRule, WireSegment } from './model/segment.js'
export type { Reason, ReasonKind, ErrorKind, EvaluationDetail, Widen } from './model/reason.js'
export {
  FLAG_KINDS,
  OPERATORS,
  BUCKET_SCALE,
  type FlagKind,
  type Operator,
  type Clause,
  type Rollout,
  type Serve,
  type Rule,
  type Target,
  type Prerequisite,
  type FlagEnvConfig,
  type WireFlag,
} from './model/flag.js'
export {
  PROTOCOL_VERSION,
  CLOSE_CODES,
  LAST_VERSION_PARAM,
  type PutMessage,
  type PatchMessage,
  type DeleteMessage,
  type PingMessage,
  type ServerMessage,
  type ResyncMessage,
  type PongMessage,
  type ClientMessage,
} from './wire/messages.js'
export { SwitchyardError, isSwitchyardError, type SwitchyardErrorCode } from './errors.js'
export { murmur3 } from './hash/murmur3.js'
export { bucketValue } from './hash/bucket.js'
export { compileFlag } from './compile/compile-flag.js'
export { compileSegment } from './compile/compile-segment.js'
export type { CompiledFlag, CompiledSegment } from './compile/types.js'
export {
  evaluate,
  MAX_PREREQUISITE_CHECKS,
  MAX_PREREQUISITE_DEPTH,
  type FlagLookup,
  type SegmentLookup,
} from './evaluate/evaluate.js'
export {
  REASON_OFF,
  REASON_TARGET_MATCH,
  REASON_FALLTHROUGH,
  REASON_FALLTHROUGH_ROLLOUT,
  errorReason,
} from './evaluate/reasons.js'
export { createFlagStore, type FlagStore, type StoreSnapshot } from './evaluate/store.js'
export {
  toOpenFeature,
  type OpenFeatureErrorCode,
  type OpenFeatureResolution,
} from './evaluate/openfeature.js'
