import type { BusEvent, ChangeBus } from '../db/bus.js'
import type { Db, Tx } from '../db/client.js'

export interface DomainDeps {
  db: Db
  bus: ChangeBus
}

/** Who is making a change and why. */
export interface ChangeActor {
  actor: string
  comment?: string | null | undefined
}

/**
 * Runs `fn` in one transaction and publishes the events it collected once the transaction has
 * committed (never before, never on rollback).
 */
export async function writeTransaction<T>(
  deps: DomainDeps,
  fn: (tx: Tx, events: BusEvent[]) => Promise<T>,
): Promise<T> {
  const events: BusEvent[] = []
  const result = await deps.db.transaction((tx) => fn(tx, events))
  for (const event of events) deps.bus.publish(event)
  return result
}
