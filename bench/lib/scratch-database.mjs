// A throwaway Postgres database for one run, on the server of a given database URL.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ROOT } from './paths.mjs'

// postgres.js is a dependency of the server, not of the bench: resolve it from there.
const requireFromServer = createRequire(join(ROOT, 'server', 'package.json'))

/**
 * Creates a database `sy_bench_<random>` on the server of `url` (any database there that the
 * user can connect to) and returns its URL and `drop()`, which removes it, ending connections
 * still open to it (Postgres 13+).
 */
export async function createScratchDatabase(url) {
  const postgres = requireFromServer('postgres')
  const name = `sy_bench_${randomBytes(4).toString('hex')}`
  const admin = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 })
  try {
    await admin.unsafe(`create database "${name}"`)
  } finally {
    await admin.end({ timeout: 2 })
  }
  const scratch = new URL(url)
  scratch.pathname = `/${name}`
  let dropped = false
  return {
    name,
    url: scratch.toString(),
    async drop() {
      if (dropped) return
      dropped = true
      const admin = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 })
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`)
      } finally {
        await admin.end({ timeout: 2 })
      }
    },
  }
}

/**
 * createScratchDatabase, tracked by the run guard `guard`: when the run fails, the database is
 * dropped once `processesGone()` resolves (the processes using it were killed); at exit a note
 * names it if it may be left behind. `drop()` as above.
 */
export async function createGuardedScratchDatabase(url, guard, processesGone) {
  const scratch = await createScratchDatabase(url)
  let dropped = false
  guard.track({
    release: () =>
      processesGone()
        .then(() => scratch.drop())
        .then(() => (dropped = true))
        .catch((e) =>
          console.error(`could not drop the scratch database ${scratch.name}: ${e.message}`),
        ),
    atExit: () => {
      if (!dropped)
        console.error(
          `note: the scratch database ${scratch.name} may be left behind: dropdb -h 127.0.0.1 -U postgres ${scratch.name}`,
        )
    },
  })
  return {
    ...scratch,
    async drop() {
      await scratch.drop()
      dropped = true
    },
  }
}
