// One contender × one scenario, in a fresh process (spawned by run.mjs):
//   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 \
//     bench/eval/worker.mjs <contender> <scenario> [iterations]
// 1. set the contender up with the scenario's flag (no network: see contenders/*.mjs);
// 2. check its results over the 10,000 contexts against the expected values;
// 3. warm up, then time `iterations` evaluations cycling through the contexts (the count is
//    calibrated to ~TARGET_MS when not given; run.mjs fixes it after the first round);
// 4. measure heap bytes allocated per evaluation: heapUsed before/after a run with a 64 MB
//    semi-space, after a full GC, and with a PerformanceObserver watching for any GC in between;
// 5. print one JSON line. The checksum (count of `true` results) keeps every result live.
import { PerformanceObserver } from 'node:perf_hooks'
import {
  logicalContexts,
  scenario as findScenario,
  ROLLOUT_PERCENT,
  ROLLOUT_TOLERANCE,
} from './scenarios.mjs'

const WARMUP_MAX_ITERATIONS = 200_000
const WARMUP_MIN_ITERATIONS = 20_000
const WARMUP_MIN_MS = 300
const TARGET_MS = 500
const MIN_ITERATIONS = 20_000
const MAX_ITERATIONS = 2_000_000
const ALLOC_PILOT = 2_000
const ALLOC_MIN_ITERATIONS = 500
const ALLOC_BUDGET_BYTES = 24 * 1024 * 1024 // well under the 64 MB semi-space
const ALLOC_MAX_ITERATIONS = 200_000

const [contenderName, scenarioId, fixedIterations] = process.argv.slice(2)
if (typeof global.gc !== 'function') throw new Error('run with --expose-gc')

let gcCount = 0
const observer = new PerformanceObserver((list) => {
  gcCount += list.getEntries().length
})
observer.observe({ entryTypes: ['gc'] })
const flush = () => new Promise((resolve) => setTimeout(resolve, 25))

// The measured loops. Each process runs one contender, so every call site stays monomorphic.
function runSync(evaluate, contexts, n) {
  const length = contexts.length
  let trues = 0
  let j = 0
  for (let i = 0; i < n; i++) {
    if (evaluate(contexts[j]) === true) trues++
    if (++j === length) j = 0
  }
  return trues
}

async function runAsync(evaluate, contexts, n) {
  const length = contexts.length
  let trues = 0
  let j = 0
  for (let i = 0; i < n; i++) {
    if ((await evaluate(contexts[j])) === true) trues++
    if (++j === length) j = 0
  }
  return trues
}

const contender = await import(`./contenders/${contenderName}.mjs`)
const scenario = findScenario(scenarioId)
const logical = logicalContexts()
const subject = await contender.setup(scenario, logical)
const { evaluate, contexts } = subject
const run = subject.async ? runAsync : runSync

// ------------------------------------------------------------------ correctness
const check = { ok: true, mismatches: 0, firstMismatch: null, share: null }
{
  let trues = 0
  for (let i = 0; i < contexts.length; i++) {
    const got = subject.async ? await evaluate(contexts[i]) : evaluate(contexts[i])
    if (typeof got !== 'boolean') {
      check.mismatches++
      check.firstMismatch ??= { key: logical[i].key, got: String(got), want: 'a boolean' }
      continue
    }
    if (got) trues++
    if (scenario.expected !== null) {
      const want = scenario.expected(logical[i])
      if (got !== want) {
        check.mismatches++
        check.firstMismatch ??= { key: logical[i].key, got, want }
      }
    }
  }
  if (scenario.expected === null) {
    check.share = (100 * trues) / contexts.length
    check.ok =
      check.mismatches === 0 && Math.abs(check.share - ROLLOUT_PERCENT) <= ROLLOUT_TOLERANCE
  } else {
    check.ok = check.mismatches === 0
  }
}

// ------------------------------------------------------------------ timing
let checksum = 0
let warmupIterations = 0
const warmStart = process.hrtime.bigint()
let warmNs = 0
while (
  warmupIterations < WARMUP_MAX_ITERATIONS &&
  (warmupIterations < WARMUP_MIN_ITERATIONS || warmNs < WARMUP_MIN_MS * 1e6)
) {
  checksum += await run(evaluate, contexts, contexts.length)
  warmupIterations += contexts.length
  warmNs = Number(process.hrtime.bigint() - warmStart)
}

let iterations
if (fixedIterations !== undefined) {
  iterations = Number(fixedIterations)
} else {
  const perOp = warmNs / warmupIterations
  const wanted = (TARGET_MS * 1e6) / perOp
  iterations = Math.min(
    MAX_ITERATIONS,
    Math.max(MIN_ITERATIONS, Math.round(wanted / 10_000) * 10_000),
  )
}

global.gc()
await flush()
const gcBeforeTiming = gcCount
const cpu0 = process.cpuUsage()
const t0 = process.hrtime.bigint()
checksum += await run(evaluate, contexts, iterations)
const elapsedNs = Number(process.hrtime.bigint() - t0)
const cpu = process.cpuUsage(cpu0)
const cpuNs = (cpu.user + cpu.system) * 1000
await flush()
const gcsDuringTiming = gcCount - gcBeforeTiming

// ------------------------------------------------------------------ allocation
async function measureAlloc(n) {
  global.gc()
  await flush()
  const gcBefore = gcCount
  const before = process.memoryUsage().heapUsed
  checksum += await run(evaluate, contexts, n)
  const after = process.memoryUsage().heapUsed
  await flush()
  return { bytes: after - before, gcs: gcCount - gcBefore, iterations: n }
}

// The harness itself (process.memoryUsage(), the run call, an await) allocates a few hundred
// bytes per sample: measured with zero iterations and subtracted.
const baseline = Math.min(
  ...[await measureAlloc(0), await measureAlloc(0), await measureAlloc(0)].map((m) => m.bytes),
)
const perOp = (m) => Math.max(0, (m.bytes - baseline) / m.iterations)
const pilot = await measureAlloc(ALLOC_PILOT)
let n = Math.floor(ALLOC_BUDGET_BYTES / Math.max(perOp(pilot), 8))
n = Math.max(ALLOC_PILOT, Math.min(ALLOC_MAX_ITERATIONS, n))
let alloc = await measureAlloc(n)
for (let attempt = 0; attempt < 4 && alloc.gcs > 0 && n > ALLOC_MIN_ITERATIONS; attempt++) {
  n = Math.max(ALLOC_MIN_ITERATIONS, Math.floor(n / 4))
  alloc = await measureAlloc(n)
}

observer.disconnect()
await subject.close?.()

process.stdout.write(
  JSON.stringify({
    contender: contenderName,
    scenario: scenarioId,
    check,
    warmupIterations,
    iterations,
    elapsedNs,
    nsPerOp: elapsedNs / iterations,
    cpuNsPerOp: cpuNs / iterations, // process CPU time (all threads) over the same loop
    gcsDuringTiming,
    bytesPerOp: perOp(alloc),
    allocBaselineBytes: baseline,
    allocIterations: alloc.iterations,
    allocGcs: alloc.gcs, // > 0: a GC ran during the allocation sample, the figure is a lower bound
    checksum,
  }) + '\n',
)
// Some SDKs keep handles open (timers, sockets that never connect); this process is done.
process.exit(0)
