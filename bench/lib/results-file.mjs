// A run's raw figures: bench/results/<name>-<timestamp>.json (gitignored) unless --out says where.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { ROOT } from './paths.mjs'

export function defaultResultsFile(name, date) {
  return join(ROOT, 'bench', 'results', `${name}-${date.toISOString().replace(/[:.]/g, '-')}.json`)
}

/** Writes `results` as indented JSON, creating the folder; returns the path relative to the cwd. */
export function writeResults(file, results) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
  return relative(process.cwd(), file)
}
