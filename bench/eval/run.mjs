// Local flag-evaluation benchmark: Switchyard against unleash-client,
// @launchdarkly/node-server-sdk, @growthbook/growthbook and @openfeature/flagd-core, plus a
// hand-written plain-JS floor. See bench/eval/README.md.
//
//   npm run bench:eval                 # builds core first, then runs this
//   node bench/eval/run.mjs --runs 3 --contenders switchyard,flagd --scenarios ten-rules
//
// Options (argument, or environment variable):
//   --runs N          EVAL_RUNS         rounds; each contender × scenario runs once per round (default 5)
//   --contenders L    EVAL_CONTENDERS   comma-separated subset (default: all)
//   --scenarios L     EVAL_SCENARIOS    comma-separated subset (default: all)
//   --out FILE        BENCH_OUT         results file (default bench/results/eval-<timestamp>.json)
//   --timeout MS      BENCH_TIMEOUT_MS  whole-run limit (default 600000)
//   --baseline-core DIR  EVAL_BASELINE_CORE  another build of core (a dist directory): adds the
//                     contender switchyard-base, for a before and after in one run (README.md)
//
// Every contender × scenario runs in its own `node` child process (a fresh isolate, so no JIT
// state leaks between contenders), one child at a time, interleaved: round 1 runs every
// scenario for every contender, round 2 does it again with the contender order rotated, and so
// on. Round 1 calibrates each pair's iteration count (~0.5 s of timed work); later rounds reuse
// it, so every run of a pair times the same number of evaluations. The table reports medians.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { git, uptimeLine } from '../lib/machine.mjs'
import { option } from '../lib/options.mjs'
import { ROOT } from '../lib/paths.mjs'
import { defaultResultsFile, writeResults } from '../lib/results-file.mjs'
import { SCENARIOS } from './scenarios.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const WORKER = join(HERE, 'worker.mjs')
const CONTENDERS = ['switchyard', 'floor', 'unleash', 'launchdarkly', 'growthbook', 'flagd']
/** Switchyard from the --baseline-core build (contenders/switchyard-base.mjs). */
const BASELINE = 'switchyard-base'
const PEERS = ['unleash', 'launchdarkly', 'growthbook', 'flagd']
const PACKAGES = {
  switchyard: '@switchyard/core',
  unleash: 'unleash-client',
  launchdarkly: '@launchdarkly/node-server-sdk',
  growthbook: '@growthbook/growthbook',
  flagd: '@openfeature/flagd-core',
}
const NODE_FLAGS = [
  '--expose-gc',
  // A 64 MB semi-space: the allocation sample (≤ 24 MB) fits without a scavenge. Applied to every
  // contender alike; it also means fewer scavenges during timing than Node's default 16 MB.
  '--min-semi-space-size=64',
  '--max-semi-space-size=64',
]
const CHILD_TIMEOUT_MS = 120_000
const GOAL_FLOOR_RATIO = 3

// ---------------------------------------------------------------- options

const runs = Number(option('runs', 'EVAL_RUNS', '5'))
const baselineOption = option('baseline-core', 'EVAL_BASELINE_CORE', '')
const baselineDir = baselineOption === '' ? null : resolve(baselineOption)
const known = baselineDir === null ? CONTENDERS : ['switchyard', BASELINE, ...CONTENDERS.slice(1)]
const contenders = option('contenders', 'EVAL_CONTENDERS', known.join(',')).split(',')
const scenarioIds = option(
  'scenarios',
  'EVAL_SCENARIOS',
  SCENARIOS.map((s) => s.id).join(','),
).split(',')
const startedAt = new Date()
const outFile = option('out', 'BENCH_OUT', defaultResultsFile('eval', startedAt))
const deadline = Date.now() + Number(option('timeout', 'BENCH_TIMEOUT_MS', '600000'))

for (const c of contenders) {
  if (c === BASELINE && baselineDir === null) throw new Error(`${c} needs --baseline-core DIR`)
  if (!known.includes(c)) throw new Error(`unknown contender ${c}`)
}
if (baselineDir !== null && !existsSync(join(baselineDir, 'index.js'))) {
  throw new Error(`--baseline-core: ${baselineDir} has no index.js (want a built core/dist)`)
}
for (const s of scenarioIds)
  if (!SCENARIOS.some((x) => x.id === s)) throw new Error(`unknown scenario ${s}`)
if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error('--runs must be 1..50')
if (!existsSync(join(ROOT, 'core', 'dist', 'index.js'))) {
  throw new Error('core/dist is missing: run `npm run build -w core` (npm run bench:eval does)')
}

// ---------------------------------------------------------------- environment

function packageVersion(name) {
  const file = join(ROOT, 'node_modules', ...name.split('/'), 'package.json')
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version
  } catch {
    return null
  }
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? null,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  nodeFlags: NODE_FLAGS,
  nodeEnv: 'production',
}
const packages = Object.fromEntries(
  Object.values(PACKAGES).map((name) => [name, packageVersion(name)]),
)
packages['@openfeature/core'] = packageVersion('@openfeature/core')
const switchyardSource = {
  commit: git('rev-parse', '--short', 'HEAD'),
  coreUncommittedChanges: (git('status', '--porcelain', '--', 'core') ?? '') !== '',
  // set when measuring another build of core (see contenders/switchyard.mjs)
  override: process.env.SWITCHYARD_CORE || null,
  // --baseline-core, and its commit when the directory is inside a git checkout
  baseline:
    baselineDir === null
      ? null
      : { dir: baselineDir, commit: git('-C', baselineDir, 'rev-parse', '--short', 'HEAD') },
}

// ---------------------------------------------------------------- runs

function runChild(contender, scenarioId, iterations) {
  const args = [...NODE_FLAGS, WORKER, contender, scenarioId]
  if (iterations !== undefined) args.push(String(iterations))
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ...(contender === BASELINE
          ? { SWITCHYARD_BASELINE_CORE: join(baselineDir, 'index.js') }
          : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        if (code !== 0) throw new Error(`exit ${code ?? signal}`)
        resolve({ ok: true, ...JSON.parse(line) })
      } catch (error) {
        resolve({
          ok: false,
          contender,
          scenario: scenarioId,
          error: `${error.message}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
        })
      }
    })
  })
}

const uptimeBefore = uptimeLine()
console.error(
  `bench:eval: ${contenders.length} contenders × ${scenarioIds.length} scenarios × ${runs} runs`,
)
console.error(`  ${uptimeBefore}`)
const results = [] // every child's output
const iterationsFor = new Map() // `${contender}/${scenario}` → fixed count after round 1
const loadPerRound = []
const t0 = Date.now()
let timedOut = false

rounds: for (let round = 0; round < runs; round++) {
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
  for (const scenarioId of scenarioIds) {
    for (const contender of order) {
      if (Date.now() > deadline) {
        timedOut = true
        break rounds
      }
      const key = `${contender}/${scenarioId}`
      const result = await runChild(contender, scenarioId, iterationsFor.get(key))
      result.round = round + 1
      results.push(result)
      if (result.ok && !iterationsFor.has(key)) iterationsFor.set(key, result.iterations)
      if (!result.ok) console.error(`  ${key} round ${round + 1}: FAILED ${result.error}`)
    }
  }
  loadPerRound.push(loadavg()[0])
  console.error(
    `  round ${round + 1}/${runs} done (${((Date.now() - t0) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)})`,
  )
}
const uptimeAfter = uptimeLine()

// ---------------------------------------------------------------- summary

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const summary = {}
for (const scenarioId of scenarioIds) {
  summary[scenarioId] = {}
  for (const contender of contenders) {
    const mine = results.filter((r) => r.contender === contender && r.scenario === scenarioId)
    const ok = mine.filter((r) => r.ok)
    if (ok.length === 0) {
      summary[scenarioId][contender] = {
        runs: 0,
        failed: mine.length,
        error: mine[0]?.error ?? 'not run',
      }
      continue
    }
    const checks = ok.map((r) => r.check)
    summary[scenarioId][contender] = {
      runs: ok.length,
      failed: mine.length - ok.length,
      iterations: ok[0].iterations,
      nsPerOp: median(ok.map((r) => r.nsPerOp)),
      nsPerOpMin: Math.min(...ok.map((r) => r.nsPerOp)),
      nsPerOpMax: Math.max(...ok.map((r) => r.nsPerOp)),
      cpuNsPerOp: median(ok.map((r) => r.cpuNsPerOp)),
      bytesPerOp: median(ok.map((r) => r.bytesPerOp)),
      // a GC ran during some allocation sample: the figure is a lower bound
      bytesLowerBound: ok.some((r) => r.allocGcs > 0),
      checkOk: checks.every((c) => c.ok),
      share: checks[0].share,
      mismatches: Math.max(...checks.map((c) => c.mismatches)),
      firstMismatch: checks.find((c) => c.firstMismatch !== null)?.firstMismatch ?? null,
    }
  }
}

// ---------------------------------------------------------------- table

function formatNs(ns) {
  if (ns >= 10_000) return `${(ns / 1000).toFixed(1)} µs`
  if (ns >= 1000) return `${(ns / 1000).toFixed(2)} µs`
  if (ns >= 100) return `${ns.toFixed(0)} ns`
  return `${ns.toFixed(1)} ns`
}

function formatBytes(entry) {
  const b = entry.bytesPerOp
  const text = b < 0.5 ? '0 B' : b >= 10_000 ? `${(b / 1024).toFixed(1)} KiB` : `${Math.round(b)} B`
  return entry.bytesLowerBound ? `≥${text}` : text
}

function cell(entry) {
  if (entry.runs === 0) return 'failed'
  const mark = entry.checkOk ? '' : ' ✗'
  return `${formatNs(entry.nsPerOp)} · ${formatBytes(entry)}${mark}`
}

const title = Object.fromEntries(SCENARIOS.map((s) => [s.id, s.title]))
const lines = []
const presentPeers = PEERS.filter((p) => contenders.includes(p))
const hasSwitchyard = contenders.includes('switchyard')
const hasFloor = contenders.includes('floor')
const hasBaseline = hasSwitchyard && contenders.includes(BASELINE)
const header = ['scenario', ...contenders]
if (hasBaseline) header.push(`switchyard ÷ ${BASELINE}`)
if (hasSwitchyard && hasFloor) header.push('switchyard ÷ floor')
if (hasSwitchyard && presentPeers.length > 0) header.push('fastest peer ÷ switchyard')
lines.push(`| ${header.join(' | ')} |`)
lines.push(`| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`)
const verdicts = []
for (const scenarioId of scenarioIds) {
  const row = summary[scenarioId]
  const cols = [title[scenarioId], ...contenders.map((c) => cell(row[c]))]
  const sy = row.switchyard
  if (hasBaseline) {
    const base = row[BASELINE]
    cols.push(sy.runs > 0 && base.runs > 0 ? `${(sy.nsPerOp / base.nsPerOp).toFixed(2)}×` : '–')
  }
  if (hasSwitchyard && hasFloor) {
    const ratio = sy?.runs > 0 && row.floor.runs > 0 ? sy.nsPerOp / row.floor.nsPerOp : NaN
    cols.push(Number.isNaN(ratio) ? '–' : `${ratio.toFixed(1)}×`)
    if (!Number.isNaN(ratio) && ratio > GOAL_FLOOR_RATIO) {
      verdicts.push(
        `${scenarioId}: switchyard is ${ratio.toFixed(1)}× the floor (goal ≤ ${GOAL_FLOOR_RATIO}×)`,
      )
    }
  }
  if (hasSwitchyard && presentPeers.length > 0) {
    const peers = presentPeers.filter((p) => row[p].runs > 0)
    const fastest = peers.sort((a, b) => row[a].nsPerOp - row[b].nsPerOp)[0]
    if (fastest === undefined || !(sy?.runs > 0)) {
      cols.push('–')
    } else {
      const ratio = row[fastest].nsPerOp / sy.nsPerOp
      cols.push(`${ratio.toFixed(ratio < 1.5 ? 2 : 1)}× (${fastest})`)
      if (ratio < 1) verdicts.push(`${scenarioId}: ${fastest} is faster than switchyard`)
    }
  }
  lines.push(`| ${cols.join(' | ')} |`)
}

// The same medians in process CPU time (less sensitive to other load on a shared machine).
const cpuLines = []
const cpuHeader = [...contenders, ...(hasBaseline ? [`switchyard ÷ ${BASELINE}`] : [])]
cpuLines.push(`| CPU ns/op | ${cpuHeader.join(' | ')} |`)
cpuLines.push(`| --- | ${cpuHeader.map(() => '---:').join(' | ')} |`)
for (const scenarioId of scenarioIds) {
  const row = summary[scenarioId]
  const cols = contenders.map((c) => (row[c].runs > 0 ? formatNs(row[c].cpuNsPerOp) : '–'))
  if (hasBaseline) {
    const [sy, base] = [row.switchyard, row[BASELINE]]
    cols.push(
      sy.runs > 0 && base.runs > 0 ? `${(sy.cpuNsPerOp / base.cpuNsPerOp).toFixed(2)}×` : '–',
    )
  }
  cpuLines.push(`| ${scenarioId} | ${cols.join(' | ')} |`)
}

// Every round's figure (wall / CPU), for the spread behind each median.
const roundLines = []
roundLines.push(`| ns/op by round, wall / CPU | ${contenders.join(' | ')} |`)
roundLines.push(`| --- | ${contenders.map(() => '---').join(' | ')} |`)
for (const scenarioId of scenarioIds) {
  const cols = contenders.map((c) => {
    const mine = results.filter((r) => r.ok && r.contender === c && r.scenario === scenarioId)
    const each = (r) => `${formatNs(r.nsPerOp)} / ${formatNs(r.cpuNsPerOp)}`
    return mine.length === 0 ? '–' : mine.map(each).join(', ')
  })
  roundLines.push(`| ${scenarioId} | ${cols.join(' | ')} |`)
}

const checkLines = []
checkLines.push(`| check | ${contenders.join(' | ')} |`)
checkLines.push(`| --- | ${contenders.map(() => ':---:').join(' | ')} |`)
for (const scenarioId of scenarioIds) {
  const row = summary[scenarioId]
  const cols = contenders.map((c) => {
    const e = row[c]
    if (e.runs === 0) return 'not run'
    const share = e.share !== null ? ` ${e.share.toFixed(2)}%` : ''
    return e.checkOk
      ? `✓${share}`
      : `✗${share} (${e.mismatches} wrong, e.g. ${JSON.stringify(e.firstMismatch)})`
  })
  checkLines.push(`| ${scenarioId} | ${cols.join(' | ')} |`)
}

const versionLine = Object.entries(packages)
  .map(([name, version]) => `${name} ${version ?? '?'}`)
  .join(', ')
const output = [
  `## bench:eval — local flag evaluation, median of ${runs} runs (ns/op · heap bytes allocated/op)`,
  '',
  ...lines,
  '',
  ...cpuLines,
  '',
  ...roundLines,
  '',
  ...checkLines,
  '',
  `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), shared; Node ${machine.node}; ${machine.platform}; NODE_ENV=production; node ${NODE_FLAGS.join(' ')}`,
  `Load: before: ${uptimeBefore}`,
  `      after:  ${uptimeAfter}`,
  `Packages: ${versionLine}; switchyard at ${switchyardSource.commit}${switchyardSource.coreUncommittedChanges ? ' + uncommitted core/ changes' : ''}${switchyardSource.override ? ` (SWITCHYARD_CORE=${switchyardSource.override})` : ''}${baselineDir === null ? '' : `; ${BASELINE}: ${baselineDir}${switchyardSource.baseline.commit ? ` at ${switchyardSource.baseline.commit}` : ''}`}`,
  `ns/op: wall time of the timed loop ÷ iterations (CPU ns/op: process CPU time ÷ iterations). B/op: heapUsed growth over a GC-free sample, harness overhead subtracted (≥: a GC ran during the sample, so a lower bound). Median of ${runs} runs, each in a fresh process; min/max and every run in the JSON.`,
  ...(timedOut ? [`WARNING: stopped at the time limit after ${results.length} children.`] : []),
  ...(results.some((r) => !r.ok)
    ? [`WARNING: ${results.filter((r) => !r.ok).length} children failed (see JSON).`]
    : []),
  '',
  verdicts.length === 0
    ? 'Goal met: switchyard is faster than every peer in every scenario and within 3× of the floor.'
    : `Goal not met:\n${verdicts.map((v) => `- ${v}`).join('\n')}`,
]
console.log(output.join('\n'))

const shownFile = writeResults(outFile, {
  benchmark: 'eval',
  startedAt: startedAt.toISOString(),
  durationSeconds: (Date.now() - t0) / 1000,
  machine,
  load: { before: uptimeBefore, after: uptimeAfter, perRound1m: loadPerRound },
  packages,
  switchyardSource,
  options: { runs, contenders, scenarios: scenarioIds },
  scenarios: SCENARIOS.filter((s) => scenarioIds.includes(s.id)).map((s) => ({
    id: s.id,
    title: s.title,
  })),
  summary,
  verdicts,
  timedOut,
  results,
})
console.error(`results: ${shownFile}`)
const checksFailed = Object.values(summary).some((row) =>
  Object.values(row).some((e) => e.runs > 0 && !e.checkOk),
)
process.exit(results.some((r) => !r.ok) || timedOut || checksFailed ? 1 : 0)
