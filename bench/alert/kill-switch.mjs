// The flag the alerts kill, its two kill triggers (one behind Alertmanager, one posted to
// directly) and the server SDK key of the clients; all named after this run, and removed after it
// from a shared database.
import { randomBytes } from 'node:crypto'
import { ENV, createFlagOn, createServerKey } from '../lib/flags.mjs'
import { expectStatus } from '../lib/rest.mjs'

export const RUN_ID = randomBytes(4).toString('hex')
export const FLAG_KEY = `bench-alert-${RUN_ID}`

/** Creates the flag (on), both triggers and the SDK key through REST (`call`). */
export async function createKillSwitch(call) {
  await createFlagOn(call, { key: FLAG_KEY, comment: 'bench: alert latency' })
  const amTriggerName = `bench-am-${RUN_ID}`
  const directTriggerName = `bench-direct-${RUN_ID}`
  const trigger = (name) =>
    expectStatus(
      call('POST', '/api/v1/triggers', {
        name,
        flag: FLAG_KEY,
        env: ENV,
        action: 'kill',
        format: 'alertmanager',
        onResolved: 'none',
        comment: 'bench',
      }),
      201,
      `create trigger ${name}`,
    )
  const amTrigger = await trigger(amTriggerName)
  const directTrigger = await trigger(directTriggerName)
  const sdkKey = await createServerKey(call)
  return { amTriggerName, directTriggerName, amTrigger, directTrigger, sdkKey }
}

/** Each trigger of the flag with how often it fired. */
export async function triggerCounts(call) {
  return (
    await expectStatus(
      call('GET', `/api/v1/triggers?flag=${FLAG_KEY}&env=${ENV}`),
      200,
      'list triggers',
    )
  ).items?.map((t) => ({ name: t.name, fireCount: t.fireCount }))
}

/** Leaves a shared database as it was: the run's triggers, key and flag go. */
export async function removeKillSwitch(call, { amTrigger, directTrigger, sdkKey }) {
  const removals = [
    ...[amTrigger, directTrigger].map((t) => `/api/v1/triggers/${t.id}`),
    `/api/v1/environments/${ENV}/keys/${sdkKey.id}`,
    `/api/v1/flags/${FLAG_KEY}`,
  ]
  for (const path of removals) {
    const res = await call('DELETE', path, undefined)
    if (res.status >= 300) console.warn(`cleanup: DELETE ${path} answered ${res.status}`)
  }
}
