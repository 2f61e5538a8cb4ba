import { describe, expect, it } from 'vitest'
import { parseAlerts } from './alert-payloads.js'

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
