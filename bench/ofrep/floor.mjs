// The floor: what this machine can do at all for an OFREP single-flag request, with no
// Switchyard code. A bare node:http server reads the body, parses the JSON, looks the SDK key and
// the flag up in Maps and answers the JSON.stringify of a precomputed OFREP result. run.mjs
// starts it next to the server and puts it under the same load, in the same rounds.
//
//   node bench/ofrep/floor.mjs                         # port 8089, any key 'Bearer floor-key'
//   PORT=0 FLOOR_KEYS=a,b node bench/ofrep/floor.mjs   # a free port; these keys only
//
// It prints `floor listening on http://127.0.0.1:<port>` and serves
//   POST /ofrep/v1/evaluate/flags/:key   200 {key, value, reason, variant, metadata} | 401 | 404
//   GET  /healthz                        200 {"status":"ok"}
import { createServer } from 'node:http'
import { PLAIN_FLAG, RULES_FLAG, SERVER_ONLY_FLAG } from './scenarios.mjs'

const PREFIX = '/ofrep/v1/evaluate/flags/'
const keys = new Set((process.env.FLOOR_KEYS ?? 'floor-key').split(',').filter(Boolean))
const flags = new Map(
  [PLAIN_FLAG, RULES_FLAG, SERVER_ONLY_FLAG].map((key) => [
    key,
    { value: true, reason: 'TARGETING_MATCH', variant: '0' },
  ]),
)

function answer(res, status, body) {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  })
  res.end(json)
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, { status: 'ok' })
  if (req.method !== 'POST' || !req.url?.startsWith(PREFIX)) return answer(res, 404, {})
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const key = req.url.slice(PREFIX.length)
    const auth = req.headers.authorization ?? ''
    if (!auth.startsWith('Bearer ') || !keys.has(auth.slice(7)))
      return answer(res, 401, { key, errorCode: 'GENERAL', errorDetails: 'unknown key' })
    let context
    try {
      context = JSON.parse(Buffer.concat(chunks).toString('utf8')).context
    } catch {
      return answer(res, 400, { key, errorCode: 'PARSE_ERROR', errorDetails: 'not JSON' })
    }
    if (typeof context?.targetingKey !== 'string')
      return answer(res, 400, { key, errorCode: 'TARGETING_KEY_MISSING', errorDetails: '' })
    const flag = flags.get(key)
    if (!flag) return answer(res, 404, { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: '' })
    answer(res, 200, { key, ...flag, metadata: {} })
  })
})

server.listen(Number(process.env.PORT ?? 8089), '127.0.0.1', () => {
  console.log(`floor listening on http://127.0.0.1:${server.address().port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)))
