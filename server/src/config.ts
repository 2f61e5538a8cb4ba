import ipaddr from 'ipaddr.js'
import { z } from 'zod'

const Port = z.coerce.number().int().min(0).max(65535)

/** A comma-separated list of networks (`10.0.0.0/8`) or single addresses (`127.0.0.1`). */
const NetworkList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().refine((item) => ipaddr.isValidCIDR(item) || ipaddr.isValid(item), {
        error: (issue) => `not a network or address: ${String(issue.input)}`,
      }),
    ),
  )

/** Every setting comes from the environment, validated once at start. */
export const ServerConfig = z.object({
  PORT: Port.default(7400),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).optional(),
  SWITCHYARD_DATA_DIR: z.string().min(1).default('./data'),
  SWITCHYARD_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  SWITCHYARD_PING_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  // Per SDK socket; above the largest snapshot (a put), which may be as large as a body.
  SWITCHYARD_STREAM_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(8 * 1024 * 1024),
  // Large enough for a segment of 100,000 context keys.
  SWITCHYARD_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  // OFREP is public (client keys ship in web pages): its bodies and contexts stay small.
  SWITCHYARD_OFREP_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  SWITCHYARD_OFREP_MAX_STRING: z.coerce.number().int().min(16).default(1024),
  SWITCHYARD_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  SWITCHYARD_WEBHOOK_POLL_MS: z.coerce.number().int().min(50).default(1000),
  // Webhooks may reach only public addresses, and these networks besides.
  SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS: NetworkList.default([]),
  SWITCHYARD_PUBLIC_URL: z.url().optional(),
  SWITCHYARD_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(8_000),
})
export type ServerConfig = z.infer<typeof ServerConfig>

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const parsed = ServerConfig.safeParse(cleaned)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}
