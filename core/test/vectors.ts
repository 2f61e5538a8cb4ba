import { readFileSync } from 'node:fs'
import type { EvaluationDetail, JsonValue, WireFlag, WireSegment } from '@switchyard/core'

/** One evaluation to check: `fallback` is null when absent. */
export interface VectorCase {
  description: string
  flag: string
  /** Usually a Context; deliberately invalid (null, no key) in the USER_NOT_SPECIFIED cases. */
  context: JsonValue
  fallback?: JsonValue
  expected: EvaluationDetail<JsonValue>
}

/** One `core/test-vectors/NN-topic.json` file; a missing `segments` means none. */
export interface VectorFile {
  file: string
  name: string
  flags: WireFlag[]
  segments?: WireSegment[]
  cases: VectorCase[]
}

const DIRECTORY = new URL('../test-vectors/', import.meta.url)

/** Reads every vector file listed in `core/test-vectors/index.json`, in order. */
export function loadVectors(): VectorFile[] {
  const index = JSON.parse(readFileSync(new URL('index.json', DIRECTORY), 'utf8')) as string[]
  return index.map((file) => {
    const parsed = JSON.parse(readFileSync(new URL(file, DIRECTORY), 'utf8')) as Omit<
      VectorFile,
      'file'
    >
    return { file, ...parsed }
  })
}
