// Linux /proc readings: a process's resident memory and CPU time, and the whole machine's CPU time.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { sleep } from './time.mjs'

let clockTicks = 100
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
} catch {
  // keep the usual 100
}

/** Milliseconds per tick of the CPU times in /proc. */
export const CPU_TICK_MS = 1000 / clockTicks

function procStatusKb(pid, field) {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(
    new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'),
  )
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1])
}

/** Median of several VmRSS readings, in bytes. */
export async function rssBytes(pid, samples = 5, everyMs = 200) {
  const readings = []
  for (let i = 0; i < samples; i++) {
    if (i) await sleep(everyMs)
    readings.push(procStatusKb(pid, 'VmRSS') * 1024)
  }
  readings.sort((a, b) => a - b)
  return readings[Math.floor(readings.length / 2)]
}

/**
 * Resident memory by kind of mapping, from /proc/<pid>/smaps: `brk` is the main malloc arena
 * ([heap]), `anonymous` is V8's heap pages, other malloc arenas and large mallocs, `file` is code
 * and mapped files.
 */
export function residentByMapping(pid) {
  const totals = { brk: 0, anonymous: 0, file: 0, other: 0 }
  let kind = 'other'
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/)
    if (header) {
      const name = header[1].trim()
      kind =
        name === '[heap]'
          ? 'brk'
          : name === ''
            ? 'anonymous'
            : name.startsWith('/')
              ? 'file'
              : 'other'
      continue
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/)
    if (rss) totals[kind] += Number(rss[1]) * 1024
  }
  return totals
}

/** Whole-machine CPU time so far, in ms, from the first line of /proc/stat. */
export function machineCpuMs() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
  const ms = (ticks) => (ticks * 1000) / clockTicks
  return { processes: ms(user + nice + system), irq: ms(irq + softirq), steal: ms(steal) }
}

/** User + system CPU time of a process so far, in ms (resolution CPU_TICK_MS). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks
}

/** The CPU time of several processes together so far, in ms. */
export const totalCpuMs = (pids) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0)

/** How much of one CPU the machine's processes keep busy over the next second, in percent. */
export async function busyCpuPct() {
  const start = machineCpuMs()
  await sleep(1_000)
  return Math.round((machineCpuMs().processes - start.processes) / 10)
}
