// What the load generator sends in each scenario, and how one answer is checked before the load.
import { CONTEXT } from '../lib/flags.mjs'

/** A boolean flag with no rules: on, it serves its fallthrough. */
export const PLAIN_FLAG = 'ofrep-plain'
/** A boolean flag with two rules; the benchmark context misses the first and matches the second. */
export const RULES_FLAG = 'ofrep-rules'
/** A flag that only a server key sees: a client key's bulk answer leaves it out. */
export const SERVER_ONLY_FLAG = 'ofrep-server-only'

/** The OFREP context of every request: the first rule's clause fails, both of the second's pass. */
export const OFREP_CONTEXT = {
  targetingKey: CONTEXT.key,
  plan: 'pro',
  country: 'de',
  email: `${CONTEXT.key}@example.com`,
}

/** The `Origin` a browser page would send with a client key. */
export const PAGE_ORIGIN = 'https://app.example.com'

const SINGLE_PATH = `/ofrep/v1/evaluate/flags/${RULES_FLAG}`
const BULK_PATH = '/ofrep/v1/evaluate/flags'

/**
 * The scenarios, in the order a round runs them. `target` is the process under load: the
 * Switchyard server or the bare node:http floor. `key` names the SDK key sent ('server',
 * 'client', or null for none). `check(status, headers, body)` returns what is wrong with one
 * answer, or null.
 */
export const SCENARIOS = [
  {
    name: 'floor',
    title: 'floor: bare node:http, one flag',
    target: 'floor',
    method: 'POST',
    path: SINGLE_PATH,
    key: 'server',
    origin: false,
    check: checkSingle,
  },
  {
    name: 'single-server',
    title: 'single flag, server key',
    target: 'server',
    method: 'POST',
    path: SINGLE_PATH,
    key: 'server',
    origin: false,
    check: checkSingle,
  },
  {
    name: 'single-client',
    title: 'single flag, client key + Origin',
    target: 'server',
    method: 'POST',
    path: SINGLE_PATH,
    key: 'client',
    origin: true,
    check: (status, headers, body) => checkSingle(status, headers, body) ?? checkCors(headers),
  },
  {
    name: 'bulk-client',
    title: 'bulk, client key + Origin',
    target: 'server',
    method: 'POST',
    path: BULK_PATH,
    key: 'client',
    origin: true,
    check: (status, headers, body) => checkBulk(status, body) ?? checkCors(headers),
  },
  {
    name: 'healthz',
    title: 'GET /healthz',
    target: 'server',
    method: 'GET',
    path: '/healthz',
    key: null,
    origin: false,
    check: (status, headers, body) =>
      status === 200 && body?.status === 'ok' ? null : `expected 200 {status: 'ok'}`,
  },
]

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name)

/** The request of `scenario` for the load generator: `{ url, method, headers, body }`. */
export function requestOf(scenario, baseUrl, keys) {
  const headers = {}
  if (scenario.key) headers.authorization = `Bearer ${keys[scenario.key]}`
  if (scenario.origin) headers.origin = PAGE_ORIGIN
  let body
  if (scenario.method === 'POST') {
    headers['content-type'] = 'application/json'
    body = JSON.stringify({ context: OFREP_CONTEXT })
  }
  return { url: baseUrl + scenario.path, method: scenario.method, headers, body }
}

/** Sends the scenario's request once and throws unless its check passes. */
export async function checkOnce(scenario, request) {
  const res = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  })
  const text = await res.text()
  let body = null
  try {
    body = JSON.parse(text)
  } catch {
    // left null: the check says what it expected
  }
  const problem = scenario.check(res.status, res.headers, body)
  if (problem)
    throw new Error(`${scenario.name}: ${problem}; got ${res.status} ${text.slice(0, 300)}`)
  return { status: res.status, body }
}

function checkSingle(status, headers, body) {
  if (status !== 200) return 'expected 200'
  if (body?.key !== RULES_FLAG || typeof body.value !== 'boolean')
    return `expected {key: '${RULES_FLAG}', value: <boolean>}`
  if (body.reason !== 'TARGETING_MATCH' && body.reason !== 'SPLIT')
    return 'expected the second rule to match (reason TARGETING_MATCH or SPLIT)'
  return null
}

function checkBulk(status, body) {
  if (status !== 200) return 'expected 200'
  const keys = (body?.flags ?? []).map((f) => f.key).sort()
  if (keys.join(',') !== [PLAIN_FLAG, RULES_FLAG].sort().join(','))
    return `expected the two clientSide flags (${PLAIN_FLAG}, ${RULES_FLAG}) and no other`
  return null
}

function checkCors(headers) {
  return headers.get('access-control-allow-origin') === '*'
    ? null
    : 'expected Access-Control-Allow-Origin: * for a page origin'
}
