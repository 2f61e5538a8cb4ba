// The run's flags and SDK keys, created through the REST API.
import { ENV, createFlagOn, createSdkKey } from '../lib/flags.mjs'
import { expectStatus } from '../lib/rest.mjs'
import { PLAIN_FLAG, RULES_FLAG, SERVER_ONLY_FLAG } from './scenarios.mjs'

/** Two rules: a context on the pro plan in Germany with an example.com address misses the first. */
const RULES = [
  {
    description: 'enterprise customers',
    clauses: [{ attribute: 'plan', op: 'in', values: ['enterprise', 'business'] }],
    serve: { variation: 0 },
  },
  {
    description: 'half of the EU staff',
    clauses: [
      { attribute: 'country', op: 'in', values: ['de', 'fr', 'nl', 'at', 'be'] },
      { attribute: 'email', op: 'endsWith', values: ['@example.com'] },
    ],
    serve: { rollout: { weights: [50_000, 50_000] } },
  },
]

/**
 * Creates the three flags (all boolean and on; the plain and the rules flag clientSide) and a
 * server and a client SDK key. Resolves with `{ server, client }`, the two keys.
 */
export async function createFlagsAndKeys(call) {
  await createFlagOn(call, { key: PLAIN_FLAG, clientSide: true, comment: 'bench: ofrep' })
  await createFlagOn(call, { key: RULES_FLAG, clientSide: true, comment: 'bench: ofrep' })
  await expectStatus(
    call('PATCH', `/api/v1/flags/${RULES_FLAG}/envs/${ENV}`, {
      rules: RULES,
      fallthrough: { variation: 1 },
      comment: 'bench: two rules',
    }),
    200,
    'set the rules',
  )
  await createFlagOn(call, { key: SERVER_ONLY_FLAG, comment: 'bench: ofrep' })
  const server = await createSdkKey(call, 'server')
  const client = await createSdkKey(call, 'client')
  return { server: server.key, client: client.key }
}
