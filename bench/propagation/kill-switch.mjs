// The flag the benchmark flips, on from the start, and the server SDK key its clients use.
import { createSilentLogger, init } from '@switchyard/sdk-node'
import { CONTEXT, createFlagOn, createServerKey } from '../lib/flags.mjs'
import { sleep } from '../lib/time.mjs'

export const FLAG_KEY = 'bench-kill-switch'

/** Creates the flag through REST (`call`), turns it on, and resolves with a new server SDK key. */
export async function createKillSwitch(call) {
  await createFlagOn(call, { key: FLAG_KEY })
  return (await createServerKey(call)).key
}

/**
 * Warm-up without benchmark clients: load the environment snapshot and the SDK key cache
 * (GET /sdk/v1/flags), exercise the upgrade path once with a throwaway client that must see the
 * flag on, then settle.
 */
export async function warmUp(servers, sdkKey) {
  const { streamer } = servers
  const poll = await fetch(`${streamer.url}/sdk/v1/flags`, {
    headers: { authorization: `Bearer ${sdkKey}` },
  })
  if (!poll.ok) throw new Error(`GET /sdk/v1/flags answered ${poll.status}`)
  await poll.text()
  const probe = init({ sdkKey, baseUrl: streamer.url, logger: createSilentLogger() })
  await probe.waitForReady({ timeoutMs: 10_000 })
  if (probe.variation(FLAG_KEY, CONTEXT, false) !== true)
    throw new Error('flag is not on after restore')
  await probe.close()
  for (const s of servers.all)
    for (let i = 0; i < 3; i++) await (await fetch(`${s.url}/readyz`)).text()
  await sleep(1_000)
}
