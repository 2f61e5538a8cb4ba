// What was measured and on what: the commit, the working tree, the machine's load.
import { execFileSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { ROOT } from './paths.mjs'

/** `git <args>` in the repository, trimmed; null when git fails or is missing. */
export function git(...args) {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return null
  }
}

/** The commit measured, and whether the working tree differed from it. */
export function gitState() {
  const commit = git('rev-parse', 'HEAD')
  const status = git('status', '--porcelain', '--untracked-files=no')
  return commit === null || status === null ? null : { commit, dirty: status.length > 0 }
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
