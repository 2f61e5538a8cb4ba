import { describe, expect, it } from 'vitest'
import { createLocalBus } from '../db/bus.js'
import type { Db } from '../db/client.js'
import type { SdkPrincipal } from './sdk-auth.js'
import { createSdkAuthenticator } from './sdk-auth.js'

const principal: SdkPrincipal = { keyId: 'k1', env: 'production', type: 'server' }

/** A key lookup that answers only when told to, and counts how often it was asked. */
function controlledLookup() {
  const pending: Array<(p: SdkPrincipal | null) => void> = []
  return {
    calls: () => pending.length,
    answer: (i: number, p: SdkPrincipal | null) => pending[i]!(p),
    findKey: () => new Promise<SdkPrincipal | null>((resolve) => pending.push(resolve)),
  }
}

describe('createSdkAuthenticator', () => {
  it('answers concurrent lookups of one key with one query, then from the cache', async () => {
    const lookup = controlledLookup()
    const authenticate = createSdkAuthenticator(
      {} as Db,
      createLocalBus(() => {}),
      lookup.findKey,
    )
    const answers = Array.from({ length: 100 }, () => authenticate('sy_srv_a'))
    expect(lookup.calls()).toBe(1)
    lookup.answer(0, principal)
    expect(await Promise.all(answers)).toEqual(Array(100).fill(principal))
    expect(await authenticate('sy_srv_a')).toEqual(principal)
    expect(lookup.calls()).toBe(1)
  })

  it('does not let a lookup that started before a revocation answer or cache for later callers', async () => {
    const lookup = controlledLookup()
    const bus = createLocalBus(() => {})
    const authenticate = createSdkAuthenticator({} as Db, bus, lookup.findKey)
    const before = authenticate('sy_srv_a')
    bus.publish({ type: 'sdk-key-revoked', keyId: 'k1' })
    const after = authenticate('sy_srv_a')
    expect(lookup.calls()).toBe(2)
    lookup.answer(0, principal) // the old answer, read before the revocation
    lookup.answer(1, null)
    expect(await before).toEqual(principal)
    expect(await after).toBeNull()
    // Neither the old answer nor a stale in-flight lookup is reused.
    const again = authenticate('sy_srv_a')
    expect(await again).toBeNull()
    expect(lookup.calls()).toBe(2)
  })
})
