import { randomBytes } from 'node:crypto'
import type { FlagEnvConfig, FlagKind } from '@switchyard/core'
import type { StoredVariation } from '../db/schema/index.js'

export function newSalt(): string {
  return randomBytes(8).toString('hex')
}

/**
 * The config a flag starts with in every environment: off, serving the `false` variation
 * (for non-boolean flags, the last variation), with fallthrough to variation 0.
 */
export function defaultEnvConfig(
  kind: FlagKind,
  variations: StoredVariation[],
  salt = newSalt(),
): FlagEnvConfig {
  let offVariation = variations.length - 1
  if (kind === 'boolean') {
    const index = variations.findIndex((v) => v.value === false)
    if (index >= 0) offVariation = index
  }
  return {
    on: false,
    offVariation: Math.max(0, offVariation),
    targets: [],
    rules: [],
    fallthrough: { variation: 0 },
    prerequisites: [],
    salt,
  }
}
