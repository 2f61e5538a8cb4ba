import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'

export type SecretKind = 'token' | 'server' | 'client' | 'trigger'

const PREFIXES: Record<SecretKind, string> = {
  token: 'sy_tok_',
  server: 'sy_srv_',
  client: 'sy_cli_',
  trigger: 'sy_trg_',
}

/** A new secret with a recognisable prefix (for secret scanners) and 256 random bits. */
export function generateSecret(kind: SecretKind): string {
  return PREFIXES[kind] + randomBytes(32).toString('base64url')
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** Constant-time comparison of two hex digests. */
export function isSameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right)
}

/** A short, non-secret label for a secret (its prefix and first characters). */
export function secretPrefix(secret: string): string {
  return secret.slice(0, 12)
}

export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`
}
