// Fails any test that writes to the console (as zod's test setup does): a library that logs
// where it should report, or a test that forgot a silent logger, shows up as a failure.
import { afterEach, beforeEach, expect } from 'vitest'

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
const originals = new Map<string, (...args: unknown[]) => void>()
let written: string[] = []

beforeEach(() => {
  written = []
  for (const method of METHODS) {
    originals.set(method, console[method])
    console[method] = (...args: unknown[]) => {
      written.push(`console.${method}: ${args.map(String).join(' ').slice(0, 300)}`)
    }
  }
})

afterEach(() => {
  for (const method of METHODS) console[method] = originals.get(method)!
  const lines = written
  written = []
  expect(lines, 'the test wrote to the console').toEqual([])
})
