// How a benchmark run ends early: its time limit, SIGINT or SIGTERM, or a failure. Whatever the
// run started is killed and cleaned up then, and once more, as a last resort, when the process exits.

/**
 * Starts the whole-run limit of benchmark `name` and returns `{ track, fail, end }`.
 *
 * `track(resource)` registers something the run started (and returns it). Every member is
 * optional: `label` and `output()` (printed on failure), `killHard()` and `cleanUp()`
 * (synchronous), `release()` (a promise that handles its own errors), `atExit()`.
 *
 * `fail(message, error)` prints why and the last 4 KB of each output, kills the resources
 * (newest first), cleans them up, awaits their releases in turn (10 s at most), and exits 1.
 * After `end()` or a first failure it does nothing. At exit every resource is killed and cleaned
 * up, and its `atExit()` runs.
 */
export function guardRun(name, timeoutMs) {
  const resources = []
  let ended = false

  const killAndCleanUp = () => {
    for (const r of resources.toReversed()) r.killHard?.()
    for (const r of resources) r.cleanUp?.()
  }

  function fail(message, error) {
    if (ended) return
    ended = true
    console.error(`\n${name} benchmark failed: ${message}`)
    if (error) console.error(error)
    for (const r of resources) {
      const output = r.output?.()
      if (output) console.error(`\n--- ${r.label} output (last 4 KB) ---\n${output.slice(-4096)}`)
    }
    killAndCleanUp()
    const exit = () => process.exit(1)
    const releasing = resources.filter((r) => r.release)
    if (releasing.length === 0) return exit()
    releasing.reduce((done, r) => done.then(() => r.release()), Promise.resolve()).finally(exit)
    setTimeout(exit, 10_000).unref()
  }

  const timer = setTimeout(
    () => fail(`did not finish within ${timeoutMs} ms; killed everything`),
    timeoutMs,
  )
  timer.unref()
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => fail(`interrupted by ${signal}`))
  process.on('exit', () => {
    killAndCleanUp()
    for (const r of resources) r.atExit?.()
  })

  return {
    track(resource) {
      resources.push(resource)
      return resource
    },
    fail,
    /** The run is over: the time limit is off and later failures are not reported. */
    end() {
      ended = true
      clearTimeout(timer)
    },
  }
}
