// The flip loop: kill, restore, kill, … through REST on replica A, each timed on every client
// from the request and from the response to that client's 'change', with the CPU time the
// benchmark's processes and the rest of the machine spent meanwhile.
import { now, sleep } from '../lib/time.mjs'
import { ENV } from '../lib/flags.mjs'
import { FLAG_KEY } from './kill-switch.mjs'
import { cpuMs, machineCpuMs, totalCpuMs } from '../lib/proc.mjs'

const FLIP_TIMEOUT_MS = 5_000
export const PAUSE_BETWEEN_FLIPS_MS = 150

/**
 * Runs options.warmup + options.flips flips (the flag starts on). Resolves with one record per
 * flip and the CPU times of the whole flip phase.
 */
export async function runFlips(options, servers, fleet) {
  const serverPids = servers.all.map((s) => s.pid)
  const flips = []
  const phase = startCpuPhase(serverPids, fleet.pid)
  for (let i = 0; i < options.warmup + options.flips; i++) {
    const expected = i % 2 === 1 // even flips kill (serve false), odd flips restore (serve true)
    const action = expected ? 'restore' : 'kill'
    const { done } = await fleet.arm({ id: i, expected, timeoutMs: FLIP_TIMEOUT_MS })
    const serverCpu0 = totalCpuMs(serverPids)
    const tRequest = now()
    const res = await servers.call('POST', `/api/v1/flags/${FLAG_KEY}/envs/${ENV}/${action}`, {
      comment: `bench flip ${i}`,
    })
    const tResponse = now()
    if (res.status !== 200 || res.body?.changed !== true) {
      throw new Error(`flip ${i} (${action}): ${res.status} ${JSON.stringify(res.body)}`)
    }
    const result = await done
    const serverCpuMs = totalCpuMs(serverPids) - serverCpu0
    const seen = result.times.filter((t) => t !== null)
    const fromResponse = seen.map((t) => t - tResponse)
    const fromRequest = seen.map((t) => t - tRequest)
    flips.push({
      id: i,
      warmup: i < options.warmup,
      action,
      restMs: tResponse - tRequest,
      seen: result.seen,
      misses: options.clients - result.seen,
      wrongValue: result.wrong,
      fromResponse,
      fromRequest,
      firstMs: seen.length ? Math.min(...fromResponse) : null,
      lastMs: seen.length ? Math.max(...fromResponse) : null,
      clientsCpuMs: result.cpuMs,
      serverCpuMs,
    })
    await sleep(PAUSE_BETWEEN_FLIPS_MS)
  }
  return { flips, phase: phase.end() }
}

/** CPU times from now to `end()`: the servers', the clients process's, ours, everyone else's. */
function startCpuPhase(serverPids, clientsPid) {
  const serverCpuStart = totalCpuMs(serverPids)
  const perServerCpuStart = serverPids.map(cpuMs)
  const clientsCpuStart = cpuMs(clientsPid)
  const selfCpuStart = process.cpuUsage()
  const machineStart = machineCpuMs()
  const started = performance.now()
  const startedHr = process.hrtime.bigint()
  return {
    end() {
      const ms = performance.now() - started
      // CLOCK_MONOTONIC in µs, the clock of --cpu-prof sample timestamps: lets a profile be cut to this phase
      const monotonicUs = [Number(startedHr / 1000n), Number(process.hrtime.bigint() / 1000n)]
      const serverMs = totalCpuMs(serverPids) - serverCpuStart
      const perServerMs = serverPids.map((pid, i) => cpuMs(pid) - perServerCpuStart[i])
      const clientsMs = cpuMs(clientsPid) - clientsCpuStart
      const selfCpu = process.cpuUsage(selfCpuStart)
      const selfMs = (selfCpu.user + selfCpu.system) / 1000
      const machineEnd = machineCpuMs()
      // CPU the rest of the machine used while we flipped: anything well above 0 means the latency
      // figures include someone else's work
      const otherMs = machineEnd.processes - machineStart.processes - serverMs - clientsMs - selfMs
      return {
        ms,
        monotonicUs,
        serverMs,
        perServerMs,
        clientsMs,
        selfMs,
        otherMs,
        irqMs: machineEnd.irq - machineStart.irq,
        stealMs: machineEnd.steal - machineStart.steal,
      }
    },
  }
}
