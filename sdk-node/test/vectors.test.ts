import { readFileSync } from 'node:fs'
import type { Context, EvaluationDetail, JsonValue, WireFlag, WireSegment } from '@switchyard/core'
import { init, createSilentLogger } from '@switchyard/sdk-node'
import { describe, expect, it } from 'vitest'

interface VectorFile {
  name: string
  flags: WireFlag[]
  segments?: WireSegment[]
  cases: {
    description: string
    flag: string
    context: JsonValue
    fallback?: JsonValue
    expected: EvaluationDetail<JsonValue>
  }[]
}

// why: the shared vectors are read in place (never copied) until core exports them by name
const DIRECTORY = new URL('../../core/test-vectors/', import.meta.url)
const readJson = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(file, DIRECTORY), 'utf8'))
const files = (readJson('index.json') as string[]).map((file) => ({
  file,
  ...(readJson(file) as VectorFile),
}))

describe.each(files)('test vectors $file through the public API', (file) => {
  const { name, flags, segments, cases } = file
  const client = init({
    offline: true,
    bootstrap: segments === undefined ? { version: 1, flags } : { version: 1, flags, segments },
    logger: createSilentLogger(),
  })

  it.each(cases)(`${name}: $description`, ({ flag, context, fallback, expected }) => {
    const ctx = context as unknown as Context
    expect(client.variationDetail(flag, ctx, fallback ?? null)).toEqual(expected)
    expect(client.variation(flag, ctx, fallback ?? null)).toEqual(expected.value)
  })
})
