import type { LookupAddress } from 'node:dns'
import { describe, expect, it } from 'vitest'
import { createWebhookTargetPolicy } from '../domain/webhook-targets.js'
import { checkedLookup, describeDeliveryError } from './webhook-request.js'

const policy = createWebhookTargetPolicy({
  allowedNetworks: ['127.0.0.1/32', '::1/128'],
  resolve: async (name) =>
    name === 'both.test'
      ? [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ]
      : [
          { address: '127.0.0.1', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ],
})

function look(name: string, options: { all?: boolean; family?: number }) {
  return new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) =>
    checkedLookup(policy)(name, options, ((
      error: Error | null,
      address: string | LookupAddress[],
      family?: number,
    ) => resolve({ error, address, family })) as never),
  )
}

describe('checkedLookup', () => {
  it('hands the socket every checked address, or one of the family asked for', async () => {
    expect((await look('both.test', { all: true })).address).toEqual([
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ])
    expect(await look('both.test', { family: 4 })).toMatchObject({
      error: null,
      address: '127.0.0.1',
      family: 4,
    })
  })

  it('refuses the name when any address is not allowed, saying nothing of it', async () => {
    const { error } = await look('mixed.test', { all: true })
    expect(describeDeliveryError(error)).toBe('target address not allowed')
    expect(error?.message).not.toContain('10.0.0.1')
  })
})

describe('describeDeliveryError', () => {
  it.each([
    { code: 'ECONNREFUSED', text: 'connection refused' },
    { code: 'ENOTFOUND', text: 'host not found' },
    { code: 'ECONNRESET', text: 'connection reset' },
    { code: 'ERR_TLS_CERT_ALTNAME_INVALID', text: 'TLS handshake failed' },
    { code: 'EWHATEVER', text: 'request failed' },
  ])('names $code without its message', ({ code, text }) => {
    const error = Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code })
    expect(describeDeliveryError(error)).toBe(text)
  })
})
