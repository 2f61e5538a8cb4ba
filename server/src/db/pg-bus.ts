import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import type { Logger } from '../logger.js'
import { createListeners, type BusEvent, type ChangeBus } from './bus.js'
import type { Tx } from './client.js'

export const CHANNEL = 'switchyard_changes'
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7500

/**
 * Keeps a payload small: an environment change that lists too many keys asks for a reload. The
 * writer's in-process `written` state never goes out: other replicas read from the database.
 */
export function encodeEvent(event: BusEvent): string {
  const json = JSON.stringify(
    event.type === 'env-changed' && event.written ? { ...event, written: undefined } : event,
  )
  if (json.length <= MAX_PAYLOAD || event.type !== 'env-changed') return json
  return JSON.stringify({
    type: 'env-changed',
    env: event.env,
    version: event.version,
    upserted: [],
    deleted: [],
    reload: true,
  })
}

/**
 * The change bus between replicas: events are NOTIFYed inside the writing transaction (so they go
 * out at commit, in commit order) and every replica, the writer included, receives them through
 * LISTEN on a dedicated connection. When that connection comes back after a drop, listeners get
 * a `resync` event so nothing missed meanwhile stays missed.
 */
export async function createPostgresBus(url: string, logger: Logger): Promise<ChangeBus> {
  const listeners = createListeners((error) =>
    logger.error({ err: error }, 'change bus listener failed'),
  )
  const deliver = listeners.deliver
  let connected = false
  let listenedOnce = false
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: 'switchyard-bus' },
    // A dead listening connection must be noticed; postgres.js reconnects and re-listens.
    keep_alive: 5,
    onclose: () => {
      if (connected) logger.warn('change bus connection lost; reconnecting')
      connected = false
    },
  })
  await client.listen(
    CHANNEL,
    (payload) => {
      try {
        deliver(JSON.parse(payload) as BusEvent)
      } catch (error) {
        logger.error({ err: error }, 'malformed change bus payload')
      }
    },
    () => {
      connected = true
      if (listenedOnce) {
        logger.info('change bus reconnected; resynchronising')
        deliver({ type: 'resync' })
      }
      listenedOnce = true
    },
  )
  return {
    publish(event) {
      // Outside a transaction (rare): a plain NOTIFY on the listening client's pool.
      void client`select pg_notify(${CHANNEL}, ${encodeEvent(event)})`.catch((error: unknown) =>
        logger.error({ err: error }, 'NOTIFY failed'),
      )
    },
    async publishInTransaction(tx: Tx, events: BusEvent[]) {
      for (const event of events)
        await tx.execute(sql`select pg_notify(${CHANNEL}, ${encodeEvent(event)})`)
      return true
    },
    deliverLocally: deliver,
    subscribe: listeners.subscribe,
    healthy: () => connected,
    async close() {
      listeners.clear()
      await client.end({ timeout: 2 })
    },
  }
}
