import { createHmac, timingSafeEqual } from 'node:crypto'

export type TriggerFormat =
  'generic' | 'alertmanager' | 'grafana' | 'datadog' | 'honeycomb' | 'pagerduty'

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

function hmacHex(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data, 'utf8').digest()
}

function sameHex(expected: Buffer, hex: string | undefined): boolean {
  if (!hex || !/^[0-9a-f]+$/i.test(hex)) return false
  const given = Buffer.from(hex, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** The header each tool signs with; documented in docs/triggers.md. */
export const SIGNATURE_HEADERS: Record<TriggerFormat, string> = {
  generic: 'x-switchyard-signature',
  alertmanager: 'x-switchyard-signature',
  datadog: 'x-switchyard-signature',
  grafana: 'x-grafana-alerting-signature',
  pagerduty: 'x-pagerduty-signature',
  honeycomb: 'x-honeycomb-webhook-token',
}

/** How a delivery of `format` is signed: the header the signature travels in, and how it is made. */
export function signatureScheme(format: TriggerFormat) {
  return {
    header: SIGNATURE_HEADERS[format],
    algorithm: format === 'honeycomb' ? ('shared-secret' as const) : ('hmac-sha256' as const),
  }
}

/** Verifies a signed delivery: HMAC-SHA256 of the raw body (Honeycomb sends the shared secret). */
export function verifySignature(
  format: TriggerFormat,
  secret: string,
  rawBody: string,
  header: (name: string) => string | undefined,
): boolean {
  const value = header(SIGNATURE_HEADERS[format])?.trim()
  if (!value) return false
  switch (format) {
    case 'honeycomb': {
      const a = Buffer.from(value)
      const b = Buffer.from(secret)
      return a.length === b.length && timingSafeEqual(a, b)
    }
    case 'pagerduty':
      // "v1=<hex>[,v1=<hex>]": any one valid signature (PagerDuty rotates secrets that way).
      return value
        .split(',')
        .some((part) => sameHex(hmacHex(secret, rawBody), part.trim().replace(/^v1=/, '')))
    case 'grafana': {
      const timestamp = header('x-grafana-alerting-signature-timestamp')
      const signed = timestamp ? `${timestamp}:${rawBody}` : rawBody
      return sameHex(hmacHex(secret, signed), value.replace(/^sha256=/, ''))
    }
    default:
      return sameHex(hmacHex(secret, rawBody), value.replace(/^sha256=/, ''))
  }
}
