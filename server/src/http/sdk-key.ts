import type { SdkPrincipal } from '../domain/sdk-auth.js'
import type { SdkAuthenticator } from '../domain/sdk-auth.js'
import { forbidden, unauthorized } from './problem.js'

/** The SDK key of an `Authorization` (or `X-API-Key`) header: `Bearer <key>` or the bare key. */
export function readSdkKey(header: string | undefined): string | null {
  if (!header) return null
  const trimmed = header.trim()
  const key = /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, '') : trimmed
  return key.length > 0 && key.length <= 256 ? key : null
}

/** The SDK key given in a header, server or client: 401 without one or for an unknown or revoked key. */
export async function sdkKeyPrincipal(
  authenticate: SdkAuthenticator,
  header: string | undefined,
): Promise<SdkPrincipal> {
  const key = readSdkKey(header)
  if (!key) throw unauthorized('An SDK key is required')
  const principal = await authenticate(key)
  if (!principal) throw unauthorized('The SDK key is unknown or revoked')
  return principal
}

/**
 * The environment of a server SDK key given in a header: 401 as sdkKeyPrincipal, 403 (with
 * `clientKeyRefusal`) for a client key.
 */
export async function serverKeyEnvironment(
  authenticate: SdkAuthenticator,
  header: string | undefined,
  clientKeyRefusal: string,
): Promise<string> {
  const principal = await sdkKeyPrincipal(authenticate, header)
  if (principal.type !== 'server') throw forbidden(clientKeyRefusal)
  return principal.env
}
