// One measured load run and what the machine did meanwhile: the target's CPU and RSS, the load
// generator's CPU, the CPU every other process on the machine used, and the load average.
import { statSync } from 'node:fs'
import { loadavg } from 'node:os'
import { cpuMs, machineCpuMs, rssBytes } from '../lib/proc.mjs'
import { round } from '../lib/stats.mjs'

const RSS_EVERY_MS = 500

/**
 * Warms the target up with the scenario's own load for `warmupS`, then runs it for `durationS`
 * and returns the figures of the measured run (see results.mjs for their meaning).
 */
export async function measureScenario(scenario, request, targets, options) {
  const { server, floor, load } = targets
  const target = scenario.target === 'floor' ? floor : server
  const warmup =
    options.warmupS > 0
      ? await load.run(request, { connections: options.connections, durationS: options.warmupS })
      : null

  const pids = { server: server.pid, floor: floor?.pid ?? null, load: load.pid, bench: process.pid }
  const cpuOf = () =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, pid === null ? 0 : cpuMs(pid)]),
    )
  let rssMax = 0
  const sampleRss = async () => (rssMax = Math.max(rssMax, await rssBytes(target.pid, 1)))
  await sampleRss()
  const rssTimer = setInterval(() => void sampleRss().catch(() => {}), RSS_EVERY_MS)
  const loadAverageAtStart = loadavg()
  const logBytesBefore = statSync(targets.logFile).size
  const machineBefore = machineCpuMs()
  const cpuBefore = cpuOf()
  const wallStart = performance.now()
  const monotonicStart = process.hrtime.bigint()

  let result
  try {
    result = await load.run(request, {
      connections: options.connections,
      durationS: options.durationS,
    })
  } finally {
    clearInterval(rssTimer)
  }

  const monotonicEnd = process.hrtime.bigint()
  const wallMs = performance.now() - wallStart
  const cpuAfter = cpuOf()
  const machineAfter = machineCpuMs()
  const logBytes = statSync(targets.logFile).size - logBytesBefore
  await sampleRss()
  const rssEnd = await rssBytes(target.pid, 1)

  const used = Object.fromEntries(
    Object.keys(pids).map((name) => [name, cpuAfter[name] - cpuBefore[name]]),
  )
  const ours = used.server + used.floor + used.load + used.bench
  const otherMs = machineAfter.processes - machineBefore.processes - ours
  const targetMs = scenario.target === 'floor' ? used.floor : used.server
  const requests = result.requests.total
  const pct = (ms) => round((ms / wallMs) * 100, 0)
  return {
    scenario: scenario.name,
    target: scenario.target,
    request: {
      method: request.method,
      path: scenario.path,
      key: scenario.key,
      origin: scenario.origin,
    },
    autocannon: result,
    warmup: warmup && {
      durationS: warmup.durationS,
      requests: warmup.requests.total,
      non2xx: warmup.non2xx,
      errors: warmup.errors,
    },
    cpu: {
      wallMs: Math.round(wallMs),
      targetMs: Math.round(targetMs),
      targetPctOfCore: pct(targetMs),
      targetUsPerRequest: requests > 0 ? round((targetMs * 1000) / requests, 1) : null,
      serverMs: Math.round(used.server),
      floorMs: Math.round(used.floor),
      loadGeneratorMs: Math.round(used.load),
      loadGeneratorPctOfCore: pct(used.load),
      loadGeneratorUsPerRequest: requests > 0 ? round((used.load * 1000) / requests, 1) : null,
      benchMs: Math.round(used.bench),
      otherProcessesMs: Math.round(otherMs),
      otherProcessesPctOfCore: pct(otherMs),
      irqMs: Math.round(machineAfter.irq - machineBefore.irq),
      stealMs: Math.round(machineAfter.steal - machineBefore.steal),
    },
    rss: { targetMaxBytes: rssMax, targetEndBytes: rssEnd },
    log: {
      bytes: logBytes,
      bytesPerRequest: requests > 0 ? round(logBytes / requests, 1) : null,
    },
    loadAverageAtStart: loadAverageAtStart.map((x) => round(x)),
    loadAverageAtEnd: loadavg().map((x) => round(x)),
    monotonicUs: [Number(monotonicStart / 1000n), Number(monotonicEnd / 1000n)],
  }
}
