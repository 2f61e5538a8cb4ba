import type { WireFlag, WireSegment } from '@switchyard/core'
import type { FlagConfigRow, FlagRow, SegmentRow } from '../db/schema/index.js'

/** A flag and its config in one environment as SDKs receive it (docs/protocol.md). */
export function toWireFlag(flag: FlagRow, config: FlagConfigRow): WireFlag {
  return {
    key: flag.key,
    kind: flag.kind,
    variations: flag.variations.map((v) => v.value),
    clientSide: flag.clientSide,
    version: config.version,
    on: config.config.on,
    offVariation: config.config.offVariation,
    targets: config.config.targets,
    rules: config.config.rules,
    fallthrough: config.config.fallthrough,
    prerequisites: config.config.prerequisites,
    salt: config.config.salt,
  }
}

/** A segment as SDKs receive it. */
export function toWireSegment(row: SegmentRow): WireSegment {
  return {
    key: row.key,
    version: row.version,
    included: row.definition.included,
    excluded: row.definition.excluded,
    rules: row.definition.rules,
    salt: row.definition.salt,
  }
}
