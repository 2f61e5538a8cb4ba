// Type tests (checked by `npm run typecheck`, never run): the request schemas and core's plain
// types describe the same data, so a field added to one and not the other fails the build.
import type * as core from '@switchyard/core'
import { expectTypeOf } from 'vitest'
import type { z } from 'zod'
import type {
  Clause,
  FlagEnvConfigFields,
  JsonValue,
  Prerequisite,
  Rollout,
  Rule,
  Serve,
  Target,
} from './common.js'
import type { SegmentRule } from './segment.js'

type Out<T extends z.ZodType> = z.output<T>
type Simplify<T> = { [K in keyof T]: T[K] }
/** A rule as stored: its id is optional on write (the server assigns one), always present after. */
type Stored<T extends { id?: string }> = Simplify<Omit<T, 'id'> & { id: string }>

expectTypeOf<Out<typeof JsonValue>>().toEqualTypeOf<core.JsonValue>()
expectTypeOf<Out<typeof Clause>>().toEqualTypeOf<core.Clause>()
expectTypeOf<Out<typeof Rollout>>().toEqualTypeOf<core.Rollout>()
expectTypeOf<Out<typeof Serve>>().toEqualTypeOf<core.Serve>()
expectTypeOf<Out<typeof Target>>().toEqualTypeOf<core.Target>()
expectTypeOf<Out<typeof Prerequisite>>().toEqualTypeOf<core.Prerequisite>()

expectTypeOf<Stored<Out<typeof Rule>>>().toEqualTypeOf<core.Rule>()
expectTypeOf<Stored<Out<typeof SegmentRule>>>().toEqualTypeOf<core.SegmentRule>()

// Every writable config field is core's (rules as stored); `salt` is the server's own.
type Fields = typeof FlagEnvConfigFields
type WritableConfig = Simplify<
  { [K in Exclude<keyof Fields, 'rules'>]: Out<Fields[K]> } & {
    rules: Stored<Out<typeof Rule>>[]
  }
>
expectTypeOf<WritableConfig>().toEqualTypeOf<Simplify<Omit<core.FlagEnvConfig, 'salt'>>>()
