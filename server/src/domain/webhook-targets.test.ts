import { describe, expect, it } from 'vitest'
import { createWebhookTargetPolicy, webhookUrlError } from './webhook-targets.js'

describe('createWebhookTargetPolicy', () => {
  const strict = createWebhookTargetPolicy()

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.31.255.255',
    '192.168.0.1',
    '100.127.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '0.1.2.3',
    '255.255.255.255',
    '224.0.0.251',
    '198.18.0.1',
    '::',
    '::1',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::7f00:1',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
    '2001:db8::1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(strict.allows(address)).toBe(false)
  })

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(strict.allows(address)).toBe(true)
    },
  )

  it('allows the operator networks, an IPv4-mapped address by its IPv4', () => {
    const policy = createWebhookTargetPolicy({
      allowedNetworks: ['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8', '192.168.1.5'],
    })
    expect(policy.allows('127.0.0.1')).toBe(true)
    expect(policy.allows('::ffff:127.0.0.1')).toBe(true)
    expect(policy.allows('127.0.0.2')).toBe(false)
    expect(policy.allows('10.200.1.1')).toBe(true)
    expect(policy.allows('fd12::1')).toBe(true)
    expect(policy.allows('fc00::1')).toBe(false)
    expect(policy.allows('192.168.1.5')).toBe(true)
    expect(policy.allows('192.168.1.6')).toBe(false)
    expect(policy.allows('::1')).toBe(false)
  })
})

describe('webhookUrlError', () => {
  const policy = createWebhookTargetPolicy({
    resolve: async (name) => {
      if (name === 'private.test') return [{ address: '10.0.0.1', family: 4 }]
      if (name === 'public.test') return [{ address: '93.184.215.14', family: 4 }]
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
    },
  })

  it('refuses literal and resolved non-public addresses at url', async () => {
    expect(await webhookUrlError(policy, 'http://[::1]/x')).toMatchObject({ path: 'url' })
    expect(await webhookUrlError(policy, 'http://private.test/x')).toMatchObject({ path: 'url' })
  })

  it('accepts public addresses and names that do not resolve', async () => {
    expect(await webhookUrlError(policy, 'https://public.test/x')).toBeNull()
    expect(await webhookUrlError(policy, 'https://8.8.8.8/x')).toBeNull()
    expect(await webhookUrlError(policy, 'https://gone.test/x')).toBeNull()
  })
})
