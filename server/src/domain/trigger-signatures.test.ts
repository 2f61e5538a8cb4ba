import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifySignature } from './trigger-signatures.js'

describe('verifySignature', () => {
  const secret = 'a-shared-secret-of-some-length'
  const body = '{"status":"firing"}'
  const hmac = (data: string) => createHmac('sha256', secret).update(data).digest('hex')
  const headers = (h: Record<string, string>) => (name: string) => h[name]

  it('accepts a generic sha256= HMAC of the raw body and refuses a wrong one', () => {
    expect(
      verifySignature(
        'generic',
        secret,
        body,
        headers({ 'x-switchyard-signature': `sha256=${hmac(body)}` }),
      ),
    ).toBe(true)
    expect(
      verifySignature(
        'generic',
        secret,
        body,
        headers({ 'x-switchyard-signature': `sha256=${hmac(body + ' ')}` }),
      ),
    ).toBe(false)
    expect(verifySignature('generic', secret, body, headers({}))).toBe(false)
  })

  it('accepts Grafana signatures with and without a timestamp', () => {
    expect(
      verifySignature(
        'grafana',
        secret,
        body,
        headers({ 'x-grafana-alerting-signature': hmac(body) }),
      ),
    ).toBe(true)
    expect(
      verifySignature(
        'grafana',
        secret,
        body,
        headers({
          'x-grafana-alerting-signature': hmac(`1700000000:${body}`),
          'x-grafana-alerting-signature-timestamp': '1700000000',
        }),
      ),
    ).toBe(true)
  })

  it('accepts any one of several PagerDuty v1 signatures', () => {
    expect(
      verifySignature(
        'pagerduty',
        secret,
        body,
        headers({ 'x-pagerduty-signature': `v1=${'0'.repeat(64)},v1=${hmac(body)}` }),
      ),
    ).toBe(true)
  })

  it('compares the Honeycomb shared secret', () => {
    expect(
      verifySignature('honeycomb', secret, body, headers({ 'x-honeycomb-webhook-token': secret })),
    ).toBe(true)
    expect(
      verifySignature('honeycomb', secret, body, headers({ 'x-honeycomb-webhook-token': 'nope' })),
    ).toBe(false)
  })
})
