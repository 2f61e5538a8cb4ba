// What was measured and on what: the commit, the working tree, the machine's load.
import { execFileSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { ROOT } from './paths.mjs'

/** The commit measured, and whether the working tree differed from it. */
export function gitState() {
  try {
    const git = (...args) =>
      execFileSync('git', args, {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim()
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no').length > 0,
    }
  } catch {
    return null
  }
}

export function uptimeLine() {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim()
  } catch {
    return `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}`
  }
}
