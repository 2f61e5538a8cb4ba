import type { TriggerFormat } from '../db/schema/index.js'

export interface AlertEvent {
  /** Identity of the alert, for idempotency (a fingerprint, an incident id, …). */
  key: string
  status: 'firing' | 'resolved'
  /** A short human description, for the change record. */
  summary: string
}

export type ParseResult = { ok: true; alerts: AlertEvent[] } | { ok: false; message: string }

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
// NUL cannot be stored in Postgres text: strip it, so an odd alert still acts.
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0
    ? v.replaceAll('\u0000', '')
    : typeof v === 'number'
      ? String(v)
      : undefined

/** Alertmanager v4 (and Grafana unified alerting, which sends the same shape). */
function parseAlertmanagerShape(body: Json): ParseResult {
  if (!Array.isArray(body.alerts))
    return { ok: false, message: 'expected an Alertmanager payload with an "alerts" array' }
  const alerts: AlertEvent[] = []
  for (const raw of body.alerts) {
    if (!isObject(raw)) continue
    const labels = isObject(raw.labels) ? raw.labels : {}
    const annotations = isObject(raw.annotations) ? raw.annotations : {}
    const status = raw.status === 'resolved' ? 'resolved' : 'firing'
    const key = str(raw.fingerprint) ?? JSON.stringify(labels)
    const name = str(labels.alertname) ?? 'alert'
    const summary = str(annotations.summary) ?? str(annotations.description) ?? ''
    alerts.push({ key, status, summary: summary ? `${name}: ${summary}` : name })
  }
  if (alerts.length === 0) return { ok: false, message: 'the payload carries no alerts' }
  return { ok: true, alerts }
}

/**
 * Grafana: unified alerting (Alertmanager shape) or legacy dashboards ({state, ruleId}). Of the
 * legacy states only `alerting` fires and `ok` resolves: `no_data`, `paused` and `pending` say
 * nothing about the feature, so they change nothing.
 */
function parseGrafana(body: Json): ParseResult {
  if (Array.isArray(body.alerts)) return parseAlertmanagerShape(body)
  const state = str(body.state)
  if (!state) return { ok: false, message: 'expected a Grafana payload with "alerts" or "state"' }
  if (state !== 'alerting' && state !== 'ok') return { ok: true, alerts: [] }
  const key = str(body.ruleId) ?? str(body.ruleName) ?? 'grafana'
  return {
    ok: true,
    alerts: [
      {
        key,
        status: state === 'ok' ? 'resolved' : 'firing',
        summary: str(body.ruleName) ?? str(body.title) ?? 'grafana alert',
      },
    ],
  }
}

/**
 * Datadog webhooks carry the payload template the user writes; the documented template is
 * {"id": "$ID", "alert_id": "$ALERT_ID", "transition": "$ALERT_TRANSITION", "title": "$EVENT_TITLE"}.
 */
function parseDatadog(body: Json): ParseResult {
  const transition = str(body.transition) ?? str(body.alert_transition) ?? str(body.alert_type)
  if (!transition)
    return {
      ok: false,
      message: 'expected a Datadog payload with "transition" ($ALERT_TRANSITION)',
    }
  const resolved = /^(recovered|ok|success)$/i.test(transition)
  const key = str(body.alert_id) ?? str(body.aggreg_key) ?? str(body.id) ?? 'datadog'
  return {
    ok: true,
    alerts: [
      {
        key,
        status: resolved ? 'resolved' : 'firing',
        summary: str(body.title) ?? `datadog ${transition}`,
      },
    ],
  }
}

/** Honeycomb trigger webhooks: {id, name, status: "TRIGGERED" | "OK", summary}. */
function parseHoneycomb(body: Json): ParseResult {
  const status = str(body.status)
  if (!status) return { ok: false, message: 'expected a Honeycomb payload with "status"' }
  const key = str(body.id) ?? str(body.name) ?? 'honeycomb'
  const resolved = /^(ok|resolved)$/i.test(status)
  return {
    ok: true,
    alerts: [
      {
        key,
        status: resolved ? 'resolved' : 'firing',
        summary: str(body.name) ?? str(body.summary) ?? 'honeycomb trigger',
      },
    ],
  }
}

/** PagerDuty v3 webhooks: {event: {event_type: "incident.triggered" | "incident.resolved", data: {id, title}}}. */
function parsePagerDuty(body: Json): ParseResult {
  const event = isObject(body.event) ? body.event : undefined
  const type = str(event?.event_type)
  if (!event || !type)
    return { ok: false, message: 'expected a PagerDuty v3 payload with "event.event_type"' }
  const data = isObject(event.data) ? event.data : {}
  const key = str(data.id) ?? str(event.id) ?? 'pagerduty'
  const summary = str(data.title) ?? type
  if (type === 'incident.resolved')
    return { ok: true, alerts: [{ key, status: 'resolved', summary }] }
  if (type === 'incident.triggered' || type === 'incident.reopened')
    return { ok: true, alerts: [{ key, status: 'firing', summary }] }
  // Acknowledgements, notes and the like change nothing.
  return { ok: true, alerts: [] }
}

/** Any JSON: {status?: "firing" | "resolved", alertKey?, summary?}; an empty body fires. */
function parseGeneric(body: Json): ParseResult {
  const status = str(body.status) ?? 'firing'
  if (status !== 'firing' && status !== 'resolved')
    return { ok: false, message: 'status must be "firing" or "resolved"' }
  return {
    ok: true,
    alerts: [
      {
        key: str(body.alertKey) ?? str(body.id) ?? 'generic',
        status,
        summary: str(body.summary) ?? 'generic trigger',
      },
    ],
  }
}

export function parseAlerts(format: TriggerFormat, body: unknown): ParseResult {
  if (!isObject(body)) return { ok: false, message: 'the body must be a JSON object' }
  switch (format) {
    case 'alertmanager':
      return parseAlertmanagerShape(body)
    case 'grafana':
      return parseGrafana(body)
    case 'datadog':
      return parseDatadog(body)
    case 'honeycomb':
      return parseHoneycomb(body)
    case 'pagerduty':
      return parsePagerDuty(body)
    case 'generic':
      return parseGeneric(body)
  }
}
