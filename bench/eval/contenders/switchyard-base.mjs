// Switchyard from another build of core, next to the workspace's (`switchyard`), for a before
// and after in one run: `run.mjs --baseline-core DIR` passes DIR/index.js here. See README.md.
import { pathToFileURL } from 'node:url'
import { setupWith } from './switchyard.mjs'

export const name = 'switchyard-base'
export const packageName = '@switchyard/core'

export async function setup(scenario, logical) {
  const entry = process.env.SWITCHYARD_BASELINE_CORE
  if (!entry) throw new Error('switchyard-base: run through run.mjs --baseline-core DIR')
  const core = await import(pathToFileURL(entry).href)
  return setupWith(core.createFlagStore, scenario, logical)
}
