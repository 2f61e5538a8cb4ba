import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  boolFlag,
  type FakeServer,
  keySegment,
  segmentFlag,
  startFakeServer,
  waitFor,
} from './fake-server.js'
import { closeClients, createClient } from './helpers.js'

const ALICE = { key: 'alice' }
const BOB = { key: 'bob' }

let server: FakeServer

beforeEach(async () => {
  server = await startFakeServer()
  server.setFlags(1, [
    segmentFlag('beta-checkout', ['beta']),
    segmentFlag('beta-or-staff-search', ['beta', 'staff']),
    segmentFlag('staff-only', ['staff']),
    boolFlag('plain', true),
  ])
  server.setSegments([keySegment('beta', ['alice']), keySegment('staff', ['carol'])])
})

afterEach(async () => {
  await closeClients()
  await server.close()
})

describe('segments over the stream', () => {
  it('serves flags that use the segments of the first put', async () => {
    const { client } = createClient(server)
    await client.waitForReady({ timeoutMs: 2_000 })

    expect(client.variation('beta-checkout', ALICE, false)).toBe(true)
    expect(client.variation('beta-checkout', BOB, true)).toBe(false)
    expect(client.variationDetail('beta-or-staff-search', ALICE, false).reason).toEqual({
      kind: 'RULE_MATCH',
      ruleIndex: 0,
      ruleId: 'in-segment',
    })
  })

  it('applies a segment patch and emits change for every flag that uses the segment', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    const version = server.patchSegment(keySegment('beta', ['alice', 'bob'], 2))

    await waitFor(() => t.changes.length === 2, 2_000, 'two change events')
    expect(t.changes).toEqual([
      { key: 'beta-checkout', version },
      { key: 'beta-or-staff-search', version },
    ])
    expect(t.client.variation('beta-checkout', BOB, false)).toBe(true)
    expect(t.client.dataVersion).toBe(version)
    // a later flag patch proves no other change event was pending
    server.patch(boolFlag('plain', false, 2))
    await waitFor(() => t.changes.length === 3, 2_000, 'flag change event')
    expect(t.changes[2]).toEqual({ key: 'plain', version: version + 1 })
  })

  it('applies a new segment that flags already referred to', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    server.patch(segmentFlag('vip-lounge', ['vip']))
    await waitFor(() => t.changes.length === 1, 2_000, 'flag change event')
    expect(t.client.variation('vip-lounge', BOB, true)).toBe(false)

    server.patchSegment(keySegment('vip', ['bob']))

    await waitFor(() => t.changes.length === 2, 2_000, 'segment change event')
    expect(t.changes[1]).toEqual({ key: 'vip-lounge', version: 3 })
    expect(t.client.variation('vip-lounge', BOB, false)).toBe(true)
  })

  it('applies a segment delete: flags stop matching it and emit change', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    const version = server.removeSegment('staff')

    await waitFor(() => t.changes.length === 2, 2_000, 'two change events')
    expect(t.changes).toEqual([
      { key: 'beta-or-staff-search', version },
      { key: 'staff-only', version },
    ])
    expect(t.client.variation('staff-only', { key: 'carol' }, true)).toBe(false)
    // a flag that names beta and the deleted staff still matches through beta
    expect(t.client.variation('beta-or-staff-search', ALICE, false)).toBe(true)
  })

  it('advances the version without change events when an unknown segment is deleted', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.removeSegment('never-existed')
    server.patch(boolFlag('plain', false, 2))

    await waitFor(() => t.changes.length === 1, 2_000, 'flag change event')
    expect(t.changes).toEqual([{ key: 'plain', version: 3 }])
    expect(server.messagesOfType('resync')).toEqual([])
  })

  it('ignores stale segment patches and deletes', async () => {
    server.version = 5
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.broadcast({ type: 'patch', version: 4, segment: keySegment('beta', ['bob']) })
    server.broadcast({ type: 'delete', version: 5, key: 'beta', kind: 'segment' })
    // a later in-order patch proves the stale ones were processed (and skipped) first
    server.broadcast({ type: 'patch', version: 6, flag: boolFlag('plain', false, 2) })

    await waitFor(() => t.changes.length > 0, 2_000, 'change event')
    expect(t.changes).toEqual([{ key: 'plain', version: 6 }])
    expect(t.client.variation('beta-checkout', ALICE, false)).toBe(true)
    expect(t.client.variation('beta-checkout', BOB, true)).toBe(false)
    expect(server.messagesOfType('resync')).toEqual([])
  })

  it('asks for a resync on a segment patch version gap and heals from the put', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    server.answerResync = false

    // the server moved to 3 but the client missed version 2
    server.version = 3
    server.setSegments([keySegment('beta', ['bob'], 3), keySegment('staff', ['carol'])])
    server.broadcast({ type: 'patch', version: 3, segment: keySegment('beta', ['bob'], 3) })

    await waitFor(() => server.messagesOfType('resync').length > 0, 2_000, 'resync')
    expect(server.messagesOfType('resync')).toEqual([{ type: 'resync', version: 1 }])
    expect(t.client.variation('beta-checkout', BOB, true)).toBe(false)
    expect(t.client.dataVersion).toBe(1)

    server.put()

    await waitFor(() => t.client.dataVersion === 3, 2_000, 'version 3')
    expect(t.client.variation('beta-checkout', BOB, false)).toBe(true)
    expect(t.client.variation('beta-checkout', ALICE, true)).toBe(false)
  })

  it('asks for a resync on a segment delete version gap', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })
    server.answerResync = false

    server.broadcast({ type: 'delete', version: 3, key: 'beta', kind: 'segment' })

    await waitFor(() => server.messagesOfType('resync').length > 0, 2_000, 'resync')
    expect(t.client.variation('beta-checkout', ALICE, false)).toBe(true)
    expect(t.changes).toEqual([])
  })

  it('emits change on a put only for flags that changed or use a changed segment', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.version = 4
    server.setSegments([keySegment('beta', ['alice']), keySegment('staff', ['carol', 'dave'])])
    server.put()

    await waitFor(() => t.client.dataVersion === 4, 2_000, 'version 4')
    expect(t.changes.map((c) => c.key).sort()).toEqual(['beta-or-staff-search', 'staff-only'])
    expect(t.client.variation('staff-only', { key: 'dave' }, false)).toBe(true)
  })

  it('emits change on a put for flags whose segment disappeared', async () => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.version = 2
    server.setSegments([keySegment('staff', ['carol'])])
    server.put()

    await waitFor(() => t.client.dataVersion === 2, 2_000, 'version 2')
    expect(t.changes.map((c) => c.key).sort()).toEqual(['beta-checkout', 'beta-or-staff-search'])
    expect(t.client.variation('beta-checkout', ALICE, true)).toBe(false)
  })

  it.each([
    {
      label: 'a patch with both a flag and a segment',
      message: {
        type: 'patch',
        version: 2,
        flag: boolFlag('x', true),
        segment: keySegment('y', []),
      },
    },
    { label: 'a patch with neither', message: { type: 'patch', version: 2 } },
    { label: 'a segment patch without a key', message: { type: 'patch', version: 2, segment: {} } },
    {
      label: 'a delete of an unknown kind',
      message: { type: 'delete', version: 2, key: 'beta', kind: 'environment' },
    },
  ])('reports $label as a protocol error and asks for a snapshot', async ({ message }) => {
    const t = createClient(server)
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.broadcast(message)

    await waitFor(() => t.errors.length === 1, 2_000, 'error event')
    expect(t.errors[0]?.code).toBe('PROTOCOL_ERROR')
    await waitFor(() => server.messagesOfType('resync').length === 1, 2_000, 'resync')
    expect(t.client.dataVersion).toBe(1)
    expect(t.client.variation('beta-checkout', ALICE, false)).toBe(true)
  })
})

describe('segments over polling', () => {
  it('reads segments from the polling body and emits change when one changes', async () => {
    const t = createClient(server, { stream: false, pollIntervalMs: 40 })
    await t.client.waitForReady({ timeoutMs: 2_000 })
    expect(t.client.variation('beta-checkout', ALICE, false)).toBe(true)

    server.version = 2
    server.setSegments([keySegment('beta', ['bob']), keySegment('staff', ['carol'])])

    await waitFor(() => t.client.dataVersion === 2, 2_000, 'version 2')
    expect(t.changes.map((c) => c.key).sort()).toEqual(['beta-checkout', 'beta-or-staff-search'])
    expect(t.client.variation('beta-checkout', BOB, false)).toBe(true)
    expect(t.client.variation('beta-checkout', ALICE, true)).toBe(false)
  })

  it('treats a polling body without segments as having none', async () => {
    const t = createClient(server, { stream: false, pollIntervalMs: 40 })
    await t.client.waitForReady({ timeoutMs: 2_000 })

    server.version = 2
    server.setSegments([])

    await waitFor(() => t.client.dataVersion === 2, 2_000, 'version 2')
    expect(t.client.variation('beta-checkout', ALICE, true)).toBe(false)
    expect(t.errors).toEqual([])
  })
})

describe('segments in a bootstrap', () => {
  const snapshot = {
    version: 3,
    flags: [segmentFlag('beta-checkout', ['beta'])],
    segments: [keySegment('beta', ['alice'])],
  }

  it('serves segments from a bootstrap object', () => {
    const t = createClient(null, { offline: true, bootstrap: snapshot })
    expect(t.client.variation('beta-checkout', ALICE, false)).toBe(true)
    expect(t.client.variation('beta-checkout', BOB, true)).toBe(false)
  })

  it('serves segments from a bootstrap file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-segments-'))
    try {
      const path = join(dir, 'snapshot.json')
      writeFileSync(path, JSON.stringify({ type: 'put', ...snapshot }))
      const t = createClient(null, { offline: true, bootstrap: path })
      expect(t.client.variation('beta-checkout', ALICE, false)).toBe(true)
      expect(t.client.dataVersion).toBe(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a bootstrap whose segments are not an array of keyed objects', async () => {
    const t = createClient(null, {
      offline: true,
      bootstrap: { ...snapshot, segments: [{ included: [] }] } as never,
    })
    await waitFor(() => t.errors.length === 1, 1_000, 'error event')
    expect(t.errors[0]?.code).toBe('BOOTSTRAP_FAILED')
    expect(t.client.variation('beta-checkout', ALICE, false)).toBe(false)
  })
})
