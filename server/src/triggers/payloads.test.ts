import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseAlerts, verifySignature } from './payloads.js'

describe('parseAlerts', () => {
  it('reads Alertmanager v4 alerts with fingerprints and statuses', () => {
    const result = parseAlerts('alertmanager', {
      version: '4',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighErrorRate' },
          annotations: { summary: '5xx > 5%' },
          fingerprint: 'abc',
        },
        {
          status: 'resolved',
          labels: { alertname: 'Latency' },
          annotations: {},
          fingerprint: 'def',
        },
      ],
    })
    expect(result).toEqual({
      ok: true,
      alerts: [
        { key: 'abc', status: 'firing', summary: 'HighErrorRate: 5xx > 5%' },
        { key: 'def', status: 'resolved', summary: 'Latency' },
      ],
    })
  })

  it.each([
    {
      format: 'grafana',
      body: { alerts: [{ status: 'firing', labels: { alertname: 'A' }, fingerprint: 'g1' }] },
      status: 'firing',
      key: 'g1',
    },
    {
      format: 'grafana',
      body: { state: 'ok', ruleId: 7, ruleName: 'CPU' },
      status: 'resolved',
      key: '7',
    },
    {
      format: 'grafana',
      body: { state: 'alerting', ruleId: 7, ruleName: 'CPU' },
      status: 'firing',
      key: '7',
    },
    {
      format: 'datadog',
      body: { transition: 'Triggered', alert_id: '99', title: 'p99 high' },
      status: 'firing',
      key: '99',
    },
    {
      format: 'datadog',
      body: { transition: 'Recovered', alert_id: '99' },
      status: 'resolved',
      key: '99',
    },
    {
      format: 'datadog',
      body: { transition: 'Re-Triggered', alert_id: '99' },
      status: 'firing',
      key: '99',
    },
    {
      format: 'datadog',
      body: { alert_type: 'success', alert_id: '99' },
      status: 'resolved',
      key: '99',
    },
    {
      format: 'datadog',
      body: { alert_type: 'error', alert_id: '99' },
      status: 'firing',
      key: '99',
    },
    {
      format: 'honeycomb',
      body: { id: 'hc1', name: 'errors', status: 'TRIGGERED' },
      status: 'firing',
      key: 'hc1',
    },
    {
      format: 'honeycomb',
      body: { id: 'hc1', name: 'errors', status: 'OK' },
      status: 'resolved',
      key: 'hc1',
    },
    {
      format: 'pagerduty',
      body: { event: { event_type: 'incident.triggered', data: { id: 'P1', title: 'down' } } },
      status: 'firing',
      key: 'P1',
    },
    {
      format: 'pagerduty',
      body: { event: { event_type: 'incident.resolved', data: { id: 'P1' } } },
      status: 'resolved',
      key: 'P1',
    },
    { format: 'generic', body: {}, status: 'firing', key: 'generic' },
    {
      format: 'generic',
      body: { status: 'resolved', alertKey: 'x' },
      status: 'resolved',
      key: 'x',
    },
  ] as const)('reads $format ($status)', ({ format, body, status, key }) => {
    const result = parseAlerts(format, body)
    expect(result.ok && result.alerts[0]).toMatchObject({ status, key })
  })

  it.each(['no_data', 'paused', 'pending'])('ignores a legacy Grafana %s state', (state) => {
    expect(parseAlerts('grafana', { state, ruleId: 7 })).toEqual({ ok: true, alerts: [] })
  })

  it('ignores PagerDuty events that neither trigger nor resolve', () => {
    expect(
      parseAlerts('pagerduty', {
        event: { event_type: 'incident.acknowledged', data: { id: 'P1' } },
      }),
    ).toEqual({ ok: true, alerts: [] })
  })

  it.each([
    { format: 'alertmanager', body: { status: 'firing' } },
    { format: 'datadog', body: { title: 'x' } },
    { format: 'honeycomb', body: {} },
    { format: 'pagerduty', body: { event: {} } },
    { format: 'generic', body: { status: 'burning' } },
    { format: 'generic', body: [1] },
  ] as const)('refuses a $format body it cannot read', ({ format, body }) => {
    expect(parseAlerts(format, body).ok).toBe(false)
  })
})

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
