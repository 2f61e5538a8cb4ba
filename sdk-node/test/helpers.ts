import type { SwitchyardError } from '@switchyard/core'
import { init, createSilentLogger, type Options, type SwitchyardClient } from '@switchyard/sdk-node'
import type { ChangeEvent, ConnectionState } from '@switchyard/sdk-node'
import { SDK_KEY, type FakeServer } from './fake-server.js'

export interface TestClient {
  client: SwitchyardClient
  changes: ChangeEvent[]
  errors: SwitchyardError[]
  states: ConnectionState[]
}

const open: SwitchyardClient[] = []

/** A client with fast retries, a silent logger and its events recorded; closed by `closeClients`. */
export function createClient(server: FakeServer | null, options: Options = {}): TestClient {
  const client = init({
    sdkKey: SDK_KEY,
    ...(server ? { baseUrl: server.url } : {}),
    initialBackoffMs: 20,
    maxBackoffMs: 100,
    logger: createSilentLogger(),
    ...options,
  })
  open.push(client)
  const recorded: TestClient = { client, changes: [], errors: [], states: [] }
  client.on('change', (e) => recorded.changes.push(e))
  client.on('error', (e) => recorded.errors.push(e))
  client.on('connectionState', (e) => recorded.states.push(e.state))
  return recorded
}

export async function closeClients(): Promise<void> {
  await Promise.all(open.splice(0).map((c) => c.close()))
}

export const USER = { key: 'user-1', country: 'DE' }
