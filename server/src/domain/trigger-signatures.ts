import { createHmac, timingSafeEqual } from 'node:crypto'
import type { TriggerFormat } from '../db/schema/index.js'

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
