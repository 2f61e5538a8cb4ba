import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import type { FieldError } from './errors.js'

/** An address a host name resolves to. */
export interface ResolvedAddress {
  address: string
  family: number
}

/** Every address of a host name (the system resolver by default; tests inject their own). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>

export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true })

type Network = [ipaddr.IPv4 | ipaddr.IPv6, number]

/**
 * Where webhooks may be sent: public unicast addresses, and the operator's allowed networks
 * (SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS) whatever their range.
 */
export interface WebhookTargetPolicy {
  /** Whether a delivery may connect to this IP address. */
  allows(address: string): boolean
  resolve: HostResolver
}

/** `::a.b.c.d`, IPv4-compatible IPv6 (deprecated); ipaddr.js counts it as unicast. */
const IPV4_COMPATIBLE: Network = ipaddr.parseCIDR('::/96')

/** A CIDR (`10.0.0.0/8`) or a single address (`127.0.0.1`, a /32 or /128). */
export function parseNetwork(text: string): Network {
  if (text.includes('/')) return ipaddr.parseCIDR(text)
  const address = ipaddr.parse(text)
  return [address, address.kind() === 'ipv4' ? 32 : 128]
}

export function isValidNetwork(text: string): boolean {
  return ipaddr.isValidCIDR(text) || ipaddr.isValid(text)
}

/**
 * Only public unicast: not loopback, private (RFC 1918), CGNAT (100.64/10), link-local
 * (169.254/16, the cloud metadata address), unique-local (fc00::/7), multicast, unspecified,
 * broadcast, documentation, benchmarking or reserved ranges, nor IPv6 forms that carry an IPv4
 * address elsewhere (6to4, Teredo, NAT64). An IPv4-mapped IPv6 address is judged as its IPv4.
 */
export function isPublicAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.range() !== 'unicast') return false
  return !(address.kind() === 'ipv6' && address.match(IPV4_COMPATIBLE))
}

export function createWebhookTargetPolicy(
  options: { allowedNetworks?: readonly string[]; resolve?: HostResolver } = {},
): WebhookTargetPolicy {
  const allowed = (options.allowedNetworks ?? []).map(parseNetwork)
  return {
    allows(text) {
      if (!ipaddr.isValid(text)) return false
      const address = ipaddr.process(text)
      if (isPublicAddress(address)) return true
      return allowed.some(
        (network) => network[0].kind() === address.kind() && address.match(network),
      )
    },
    resolve: options.resolve ?? systemResolver,
  }
}

/** The URL's host as a bare name or address (`[::1]` is `::1`). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}

const RESOLVE_TIMEOUT_MS = 3000

const REFUSED: FieldError = {
  path: 'url',
  code: 'address_not_allowed',
  message:
    'must not point at a loopback, private, link-local or other non-public address ' +
    '(SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS lets the operator allow networks)',
}

/**
 * Why a webhook URL is refused at creation: an address, or a name resolving to any address,
 * that the policy does not allow. A name that does not resolve (now) is accepted: every
 * delivery resolves and checks it again before it connects.
 */
export async function webhookUrlError(
  policy: WebhookTargetPolicy,
  url: string,
): Promise<FieldError | null> {
  const host = hostOf(new URL(url))
  if (isIP(host)) return policy.allows(host) ? null : REFUSED
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), RESOLVE_TIMEOUT_MS)
  })
  try {
    const addresses = await Promise.race([policy.resolve(host), timeout])
    if (addresses === null) return null
    return addresses.every((a) => policy.allows(a.address)) ? null : REFUSED
  } catch {
    return null
  } finally {
    clearTimeout(timer)
  }
}
