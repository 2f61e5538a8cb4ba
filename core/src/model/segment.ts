import type { Clause } from './flag.js'

/** A segment rule: all clauses must match; `weight` (of BUCKET_SCALE) admits only that share. */
export interface SegmentRule {
  id: string
  clauses: Clause[]
  /** Share of matching contexts admitted, in thousandths of a percent; all when absent. */
  weight?: number
  /** Attribute bucketed on for `weight`; the context key when absent. */
  bucketBy?: string
}

/** A reusable set of contexts in one environment. */
export interface Segment {
  key: string
  /** Context keys always in the segment (unless excluded). */
  included: string[]
  /** Context keys never in the segment; exclusion wins over inclusion and rules. */
  excluded: string[]
  rules: SegmentRule[]
  /** Bucketing salt for weighted rules. */
  salt: string
}

/** A segment as SDKs receive it. */
export interface WireSegment extends Segment {
  /** Version of this segment in its environment (bumped on every change). */
  version: number
}
