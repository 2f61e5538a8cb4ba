// The OpenFeature provider's answers over a bootstrapped offline client: every reason and error
// mapping, the variant, flagMetadata and the context translation, with no server.
import { ErrorCode, OpenFeature, type JsonValue } from '@openfeature/server-sdk'
import type { Clause, WireFlag } from '@switchyard/core'
import { createSilentLogger, init, type Snapshot } from '@switchyard/sdk-node'
import { SwitchyardProvider } from '@switchyard/sdk-node/openfeature'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

function flag(key: string, fields: Partial<WireFlag> = {}): WireFlag {
  return {
    key,
    kind: 'boolean',
    variations: [true, false],
    clientSide: false,
    version: 3,
    on: true,
    offVariation: 1,
    targets: [],
    rules: [],
    fallthrough: { variation: 0 },
    prerequisites: [],
    salt: key,
    ...fields,
  }
}

const inGermany: Clause = { attribute: 'country', op: 'in', values: ['DE'], negate: false }

const SNAPSHOT: Snapshot = {
  version: 42,
  flags: [
    flag('fallthrough'),
    flag('off', { on: false }),
    flag('targeted', { targets: [{ variation: 1, values: ['vip'] }] }),
    flag('rule', { rules: [{ id: 'germany', clauses: [inGermany], serve: { variation: 1 } }] }),
    flag('rule-rollout', {
      rules: [{ id: 'split', clauses: [inGermany], serve: { rollout: { weights: [0, 100_000] } } }],
    }),
    flag('fallthrough-rollout', { fallthrough: { rollout: { weights: [0, 100_000] } } }),
    flag('prerequisite', { prerequisites: [{ flag: 'off', variation: 0 }], offVariation: 1 }),
    flag('malformed', { fallthrough: { variation: 7 } }),
    flag('string', { kind: 'string', variations: ['hi', 'bye'] }),
    flag('number', { kind: 'number', variations: [10, 0.5] }),
    flag('object', { kind: 'json', variations: [{ showImages: true }, []] }),
    flag('array', { kind: 'json', variations: [{}, [1, 2]], fallthrough: { variation: 1 } }),
    flag('json-scalar', { kind: 'json', variations: ['not a structure', {}] }),
    flag('signed-up-after-2025', {
      rules: [
        {
          id: 'recent',
          clauses: [
            { attribute: 'signedUp', op: 'after', values: ['2025-01-01T00:00:00Z'], negate: false },
          ],
          serve: { variation: 1 },
        },
      ],
    }),
  ],
}

const USER = { targetingKey: 'user-1' }
const logger = createSilentLogger()
let provider: SwitchyardProvider

beforeAll(async () => {
  provider = new SwitchyardProvider({ offline: true, bootstrap: SNAPSHOT, logger })
  await provider.initialize()
})

afterAll(async () => {
  await provider.onClose()
})

describe('SwitchyardProvider reasons', () => {
  it.each([
    { flag: 'fallthrough', context: USER, value: true, variant: '0', reason: 'DEFAULT' },
    { flag: 'off', context: USER, value: false, variant: '1', reason: 'DISABLED' },
    {
      flag: 'targeted',
      context: { targetingKey: 'vip' },
      value: false,
      variant: '1',
      reason: 'TARGETING_MATCH',
    },
    {
      flag: 'rule',
      context: { ...USER, country: 'DE' },
      value: false,
      variant: '1',
      reason: 'TARGETING_MATCH',
    },
    {
      flag: 'rule-rollout',
      context: { ...USER, country: 'DE' },
      value: false,
      variant: '1',
      reason: 'SPLIT',
    },
    { flag: 'fallthrough-rollout', context: USER, value: false, variant: '1', reason: 'SPLIT' },
    {
      flag: 'prerequisite',
      context: USER,
      value: false,
      variant: '1',
      reason: 'PREREQUISITE_FAILED',
    },
  ])('answers $reason for $flag', async ({ flag, context, value, variant, reason }) => {
    const details = await provider.resolveBooleanEvaluation(flag, !value, context)
    expect(details).toMatchObject({ value, variant, reason })
    expect(details.errorCode).toBeUndefined()
    expect(details.errorMessage).toBeUndefined()
  })

  it('passes context attributes through to the rules', async () => {
    const details = await provider.resolveBooleanEvaluation('rule', true, {
      ...USER,
      country: 'FR',
    })
    expect(details).toMatchObject({ value: true, variant: '0', reason: 'DEFAULT' })
  })

  it('compares a Date attribute as a timestamp', async () => {
    const resolve = (signedUp: Date) =>
      provider.resolveBooleanEvaluation('signed-up-after-2025', true, { ...USER, signedUp })
    expect(await resolve(new Date('2026-02-01T00:00:00Z'))).toMatchObject({
      value: false,
      reason: 'TARGETING_MATCH',
    })
    expect(await resolve(new Date('2024-02-01T00:00:00Z'))).toMatchObject({
      value: true,
      reason: 'DEFAULT',
    })
  })

  it('tells the environment version, and the rule that matched, in flagMetadata', async () => {
    const matched = await provider.resolveBooleanEvaluation('rule', true, {
      ...USER,
      country: 'DE',
    })
    expect(matched.flagMetadata).toStrictEqual({
      environmentVersion: 42,
      ruleId: 'germany',
      ruleIndex: 0,
    })
    const prerequisite = await provider.resolveBooleanEvaluation('prerequisite', true, USER)
    expect(prerequisite.flagMetadata).toStrictEqual({
      environmentVersion: 42,
      prerequisiteKey: 'off',
    })
    const plain = await provider.resolveBooleanEvaluation('fallthrough', false, USER)
    expect(plain.flagMetadata).toStrictEqual({ environmentVersion: 42 })
  })
})

describe('SwitchyardProvider typed resolvers', () => {
  it('resolves strings, numbers and objects', async () => {
    expect(await provider.resolveStringEvaluation('string', 'x', USER)).toMatchObject({
      value: 'hi',
      variant: '0',
      reason: 'DEFAULT',
    })
    expect(await provider.resolveNumberEvaluation('number', 1, USER)).toMatchObject({
      value: 10,
      variant: '0',
    })
    expect(await provider.resolveObjectEvaluation('object', {}, USER)).toMatchObject({
      value: { showImages: true },
      variant: '0',
    })
    expect(await provider.resolveObjectEvaluation('array', {}, USER)).toMatchObject({
      value: [1, 2],
      variant: '1',
    })
  })

  it.each([
    { resolver: 'boolean', flag: 'string', fallback: false },
    { resolver: 'string', flag: 'fallthrough', fallback: 'x' },
    { resolver: 'number', flag: 'string', fallback: 1 },
    { resolver: 'object', flag: 'string', fallback: {} },
    // the client takes any value for a null default: the resolver still serves only structures
    { resolver: 'object', flag: 'number', fallback: null },
    { resolver: 'object', flag: 'json-scalar', fallback: null },
    // a JavaScript caller's default of the wrong type does not change what a resolver serves
    { resolver: 'boolean', flag: 'string', fallback: 'oops' },
    { resolver: 'number', flag: 'string', fallback: 'oops' },
    { resolver: 'string', flag: 'number', fallback: 7 },
  ] as const)(
    'answers TYPE_MISMATCH for the $resolver resolver on the $flag flag (default $fallback)',
    async ({ resolver, flag, fallback }) => {
      const details = await resolveAs(resolver, flag, fallback, USER)
      expect(details).toStrictEqual({
        value: fallback,
        reason: 'ERROR',
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `flag ${flag} did not serve a ${resolver} value`,
        flagMetadata: { environmentVersion: 42 },
      })
    },
  )
})

describe('SwitchyardProvider errors', () => {
  it.each([
    {
      name: 'a missing flag',
      flag: 'missing',
      context: USER,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
      message: 'flag missing not found',
    },
    {
      name: 'a malformed flag',
      flag: 'malformed',
      context: USER,
      errorCode: ErrorCode.PARSE_ERROR,
      message: 'flag malformed could not be evaluated: its configuration is malformed',
    },
    {
      name: 'a context without targetingKey',
      flag: 'fallthrough',
      context: { country: 'DE' },
      errorCode: ErrorCode.TARGETING_KEY_MISSING,
      message: 'flag fallthrough not evaluated: the evaluation context has no targetingKey',
    },
  ])('answers $errorCode for $name', async ({ flag, context, errorCode, message }) => {
    expect(await provider.resolveBooleanEvaluation(flag, false, context)).toStrictEqual({
      value: false,
      reason: 'ERROR',
      errorCode,
      errorMessage: message,
      flagMetadata: { environmentVersion: 42 },
    })
  })

  it('answers PROVIDER_NOT_READY before initialize() creates its client', async () => {
    const fresh = new SwitchyardProvider({ offline: true, bootstrap: SNAPSHOT, logger })
    expect(fresh.client).toBeNull()
    expect(await fresh.resolveBooleanEvaluation('fallthrough', false, USER)).toStrictEqual({
      value: false,
      reason: 'ERROR',
      errorCode: ErrorCode.PROVIDER_NOT_READY,
      errorMessage: 'flag fallthrough not evaluated: the Switchyard client has no flag data yet',
      flagMetadata: {},
    })
  })

  it('answers PROVIDER_NOT_READY while the client it wraps has no data', async () => {
    const client = init({ offline: true, logger })
    const wrapping = new SwitchyardProvider({ client })
    expect(await wrapping.resolveStringEvaluation('string', 'x', USER)).toMatchObject({
      value: 'x',
      reason: 'ERROR',
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    })
    await client.close()
  })
})

describe('SwitchyardProvider through the OpenFeature SDK', () => {
  afterEach(async () => {
    await OpenFeature.clearProviders()
  })

  it('gives full evaluation details', async () => {
    await OpenFeature.setProviderAndWait(
      new SwitchyardProvider({ offline: true, bootstrap: SNAPSHOT, logger }),
    )
    const client = OpenFeature.getClient()
    expect(await client.getBooleanDetails('rule', true, { ...USER, country: 'DE' })).toStrictEqual({
      flagKey: 'rule',
      value: false,
      variant: '1',
      reason: 'TARGETING_MATCH',
      flagMetadata: { environmentVersion: 42, ruleId: 'germany', ruleIndex: 0 },
    })
    expect(await client.getNumberDetails('string', 13, USER)).toMatchObject({
      flagKey: 'string',
      value: 13,
      reason: 'ERROR',
      errorCode: ErrorCode.TYPE_MISMATCH,
    })
    expect(await client.getObjectValue('object', { fallback: true }, USER)).toStrictEqual({
      showImages: true,
    })
  })
})

function resolveAs(
  type: 'boolean' | 'string' | 'number' | 'object',
  flag: string,
  fallback: unknown,
  context: typeof USER,
) {
  // why: some cases pass a default of the wrong type on purpose, as a JavaScript caller could
  const anyFallback = fallback as never
  switch (type) {
    case 'boolean':
      return provider.resolveBooleanEvaluation(flag, anyFallback, context)
    case 'string':
      return provider.resolveStringEvaluation(flag, anyFallback, context)
    case 'number':
      return provider.resolveNumberEvaluation(flag, anyFallback, context)
    case 'object':
      return provider.resolveObjectEvaluation<JsonValue>(flag, anyFallback, context)
  }
}
