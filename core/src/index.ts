export type { JsonValue } from './model/json.js'
export type { Context } from './model/context.js'
export type { Reason, ReasonKind, ErrorKind, EvaluationDetail } from './model/reason.js'
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
