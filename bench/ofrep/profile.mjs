// Where the server's CPU time goes, from a V8 CPU profile (node --cpu-prof) of a benchmark run:
// self time grouped by component (Hono, @hono/node-server, pino, prom-client, zod, the database
// drivers, core, each server source file, Node's HTTP and stream internals, GC), optionally cut
// to one measured run and divided by its requests.
//
//   BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' \
//     node bench/ofrep/run.mjs --scenarios single-server --rounds 1 --out /tmp/prof/results.json
//   node bench/ofrep/profile.mjs /tmp/prof/CPU.*.cpuprofile --results /tmp/prof/results.json --scenario single-server
//
// Options: --results FILE and --scenario NAME (with --round N, default 1) cut the profile to that
// run's measured window and give µs per request; --top N functions by self time (default 25);
// --callers REGEX lists the server functions that led to the components matching REGEX (e.g.
// --callers database: which code reached the database during the run).
// Frames of server/dist/main.js are mapped to their TypeScript source through main.js.map (and
// those of any script with a .map beside it: a patched copy that keeps main.js's lines can use
// a copy of main.js.map).
// A native frame without a script (a builtin, a system call) counts towards the nearest caller
// that has one, so the time of a write() lands on Node's net module, a JSON.parse on its caller.
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { option, intOption } from '../lib/options.mjs'

const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)'])

/** The costs the components add up to, first match wins (a component's name is matched). */
const COSTS = [
  ['Node HTTP parser, sockets, writes (the floor pays these too)', /^node (http|net and streams)$/],
  [
    '@hono/node-server: Node request -> Web Request (undici, web streams, AbortSignal) and back',
    /^@hono\/node-server|^node internal\/(deps\/undici|worker\/js_transferable|webstreams|abort_controller|event_target|url|encoding)/,
  ],
  [
    'Hono compose, context, router, request-id',
    /^hono \(|^hono router$|^hono middleware request-id$/,
  ],
  ['CORS middleware', /^hono middleware cors$/],
  ['body-limit middleware', /^hono middleware body-limit$/],
  ['request log (pino and its write to the log)', /^pino|^node fs$/],
  ['metrics (prom-client)', /^prom-client/],
  ['the log + metrics middleware itself (app.ts)', /^server app\.ts$/],
  ['body parsing and zod', /^zod$|^server http\/validate\.ts$/],
  [
    'SDK-key authentication (its cache)',
    /^server (http\/sdk-key|domain\/sdk-auth)\.ts$|^lru-cache$/,
  ],
  ['database drivers (any caller)', /^database /],
  ['evaluation (core, the hub)', /^core evaluator$|^server stream\/hub\.ts$/],
  ['OFREP route handler', /^server routes\/ofrep\//],
  ['garbage collection', /^\(garbage collector\)$/],
  ['event loop, microtasks, timers, (program)', /^node event loop|^\(program\)$/],
  ['other', /.*/],
]

/** The component a script URL (and, for main.js, its source file) belongs to. */
function componentOf(url, source) {
  if (source) {
    const at = source.replace(/^(\.\.\/)+/, '')
    if (at.startsWith('core/src/')) return 'core evaluator'
    return `server ${at.replace(/^server\/src\/|^src\//, '')}`
  }
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
    const file = rest.slice(rest[0].startsWith('@') ? 2 : 1).join('/')
    if (pkg === 'hono') {
      const middleware = file.match(/dist\/middleware\/([^/]+)\//)
      if (middleware) return `hono middleware ${middleware[1]}`
      if (file.includes('/router/')) return 'hono router'
      return 'hono (compose, context, request)'
    }
    if (pkg === '@hono/node-server') return '@hono/node-server (Node <-> Web Request/Response)'
    if (
      [
        'pino',
        'sonic-boom',
        'fast-redact',
        'quick-format-unescaped',
        'safe-stable-stringify',
        'atomic-sleep',
        'pino-std-serializers',
        'thread-stream',
        'on-exit-leak-free',
        '@pinojs/redact',
      ].includes(pkg)
    )
      return 'pino (request log)'
    if (['prom-client', 'tdigest', 'bintrees'].includes(pkg)) return 'prom-client (metrics)'
    if (['drizzle-orm', 'postgres', '@electric-sql/pglite'].includes(pkg)) return `database ${pkg}`
    return pkg
  }
  if (url.startsWith('node:')) {
    const mod = url.slice(5)
    if (/^_http_|^internal\/http|^http$/.test(mod)) return 'node http'
    if (/^net$|^stream$|^internal\/streams|^internal\/stream_base|^internal\/net/.test(mod))
      return 'node net and streams'
    if (/^internal\/(process\/task_queues|timers|async_hooks)|^timers$|^events$/.test(mod))
      return 'node event loop, timers, events'
    return `node ${mod}`
  }
  return url || '(no script)'
}

function main() {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--') && a.endsWith('.cpuprofile'))
  if (!file) {
    console.error(
      'usage: node bench/ofrep/profile.mjs <file.cpuprofile> [--results FILE --scenario NAME [--round N]] [--top N]',
    )
    process.exit(2)
  }
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const top = intOption('top', null, 25, 1)
  let window = null
  let requests = null
  const resultsFile = option('results', null, undefined)
  const scenario = option('scenario', null, undefined)
  if (resultsFile && scenario) {
    const round = intOption('round', null, 1, 1)
    const run = JSON.parse(readFileSync(resultsFile, 'utf8')).runs.find(
      (r) => r.scenario === scenario && r.round === round,
    )
    if (!run) throw new Error(`no run ${scenario} round ${round} in ${resultsFile}`)
    window = run.monotonicUs
    requests = run.autocannon.requests.total
  }

  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const maps = new Map()
  // Scripts with a source map beside them (server/dist/main.js.map) are mapped to their sources.
  const sourceOf = (url, line, column) => {
    if (!url.startsWith('file://') || url.includes('/node_modules/')) return null
    if (!maps.has(url)) {
      let map = null
      try {
        map = new SourceMap(JSON.parse(readFileSync(new URL(`${url}.map`), 'utf8')))
      } catch {
        // no map beside it: the script's own name is used
      }
      maps.set(url, map)
    }
    const entry = maps.get(url)?.findEntry(line, column)
    return entry?.originalSource ? entry : null
  }
  // Each node's component and name: its own script's, else its nearest caller's with a script.
  const labelOf = new Map()
  const label = (id) => {
    if (labelOf.has(id)) return labelOf.get(id)
    const n = nodes.get(id)
    const { url, functionName, lineNumber, columnNumber } = n.callFrame
    let result
    if (SPECIAL.has(functionName)) result = { component: functionName, fn: functionName }
    else if (!url) {
      const up = parent.get(id)
      const caller = up === undefined ? null : label(up)
      result = {
        component: caller && !SPECIAL.has(caller.component) ? caller.component : '(native)',
        fn: `${functionName || '(anonymous)'} [native]`,
      }
    } else {
      const source = sourceOf(url, lineNumber, columnNumber)
      const where = (source?.originalSource ?? url).replace(/^.*\/(node_modules|src)\//, '')
      const line = source ? source.originalLine : lineNumber
      result = {
        component: componentOf(url, source?.originalSource),
        fn: `${functionName || '(anonymous)'} ${where}:${line + 1}`,
      }
    }
    labelOf.set(id, result)
    return result
  }

  // Sample i lasts until sample i+1 (the last one: the mean interval).
  const { samples, timeDeltas } = profile
  const stamps = new Array(samples.length)
  let t = profile.startTime
  for (let i = 0; i < samples.length; i++) stamps[i] = t += timeDeltas[i]
  const meanUs = (profile.endTime - profile.startTime) / Math.max(1, samples.length)
  const callersOf = option('callers', null, undefined)
  const callersRe = callersOf ? new RegExp(callersOf) : null
  const byCaller = new Map()
  // The innermost three server functions on the sample's stack, innermost first.
  const serverCallers = (id) => {
    const chain = []
    for (let at = id; at !== undefined && chain.length < 3; at = parent.get(at)) {
      const l = label(at)
      if (l.component.startsWith('server ') && !l.fn.endsWith('[native]')) chain.push(l.fn)
    }
    return chain.join(' < ') || '(no server function on the stack)'
  }
  const byComponent = new Map()
  const byFunction = new Map()
  let totalUs = 0
  let idleUs = 0
  for (let i = 0; i < samples.length; i++) {
    if (window && (stamps[i] < window[0] || stamps[i] > window[1])) continue
    const us = i + 1 < samples.length ? stamps[i + 1] - stamps[i] : meanUs
    const { component, fn } = label(samples[i])
    totalUs += us
    if (component === '(idle)') {
      idleUs += us
      continue
    }
    byComponent.set(component, (byComponent.get(component) ?? 0) + us)
    const key = `${component}\t${fn}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + us)
    if (callersRe?.test(component)) {
      const chain = `${component}\t${serverCallers(samples[i])}`
      byCaller.set(chain, (byCaller.get(chain) ?? 0) + us)
    }
  }
  const busyUs = totalUs - idleUs
  const pct = (us) => `${((us / busyUs) * 100).toFixed(1).padStart(5)}%`
  const perRequest = (us) => (requests ? `${(us / requests).toFixed(1).padStart(8)} µs/req` : '')

  console.log(
    `${file}\n${window ? `window ${scenario}: ${((window[1] - window[0]) / 1e6).toFixed(1)} s, ${requests} requests; ` : ''}` +
      `busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms` +
      (requests ? `; busy ${(busyUs / requests).toFixed(1)} µs per request` : ''),
  )
  const byCost = new Map(COSTS.map(([name]) => [name, 0]))
  for (const [component, us] of byComponent) {
    const [name] = COSTS.find(([, re]) => re.test(component))
    byCost.set(name, byCost.get(name) + us)
  }
  console.log('\nself time by cost (share of the busy time):')
  for (const [name, us] of [...byCost].sort((a, b) => b[1] - a[1]))
    if (us > 0) console.log(`  ${pct(us)} ${perRequest(us)}  ${name}`)
  console.log('\nself time by component:')
  for (const [component, us] of [...byComponent].sort((a, b) => b[1] - a[1]))
    console.log(`  ${pct(us)} ${perRequest(us)}  ${component}`)
  console.log(`\ntop ${top} functions by self time:`)
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const [component, fn] = key.split('\t')
    console.log(`  ${pct(us)} ${perRequest(us)}  ${fn}  (${component})`)
  }
  if (callersRe) {
    console.log(`\nserver functions that led to /${callersOf}/ (innermost first):`)
    for (const [key, us] of [...byCaller].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      const [component, chain] = key.split('\t')
      console.log(`  ${pct(us)} ${(us / 1000).toFixed(1).padStart(7)} ms  ${component}: ${chain}`)
    }
  }
}

main()
