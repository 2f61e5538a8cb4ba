import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const eslint = new ESLint({ cwd: ROOT })

/** The rules that `npm run lint` reports for `code` as if it were the file `path` of server/src. */
async function lint(path: string, code: string): Promise<Array<string | null>> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, 'server/src', path) })
  return result!.messages.map((m) => m.ruleId)
}

// The import directions of docs/decisions/0006-server-layers.md, as `npm run lint` enforces them:
// each case is a module that breaks one (or keeps to it), linted through ESLint's own API so that
// the rule cannot stop working unnoticed (an import it cannot resolve is silently let through).
describe('the server layers rule', () => {
  it.each([
    {
      label: 'the domain importing the HTTP edge',
      path: 'domain/probe.ts',
      code: "import { notFound } from '../http/problem.js'\nexport const x = notFound",
    },
    {
      label: 'the domain importing a type of the stream',
      path: 'domain/probe.ts',
      code: "import type { StreamHub } from '../stream/hub.js'\nexport type X = StreamHub",
    },
    {
      label: 'the domain re-exporting from a route',
      path: 'domain/probe.ts',
      code: "export { FlagParams } from '../routes/flags/flags.schemas.js'",
    },
    {
      label: 'db importing the domain',
      path: 'db/probe.ts',
      code: "import { NotFoundError } from '../domain/errors.js'\nexport const x = NotFoundError",
    },
    {
      label: 'the HTTP edge importing db',
      path: 'http/probe.ts',
      code: "import type { Db } from '../db/client.js'\nexport type X = Db",
    },
    {
      label: 'a route importing db',
      path: 'routes/flags/probe.ts',
      code: "import * as tables from '../../db/schema/index.js'\nexport const x = tables",
    },
    {
      label: 'a route importing another route folder',
      path: 'routes/flags/probe.ts',
      code: "import { EnvParams } from '../segments/segments.schemas.js'\nexport const x = EnvParams",
    },
    {
      label: 'the stream reading tables',
      path: 'stream/probe.ts',
      code: "import * as tables from '../db/schema/index.js'\nexport const x = tables",
    },
    {
      label: 'a job importing the HTTP edge',
      path: 'jobs/probe.ts',
      code: "import { notFound } from '../http/problem.js'\nexport const x = notFound",
    },
    {
      label: 'the logger importing a layer',
      path: 'logger.ts',
      code: "import { NotFoundError } from './domain/errors.js'\nexport const x = NotFoundError",
    },
  ])('refuses $label', async ({ path, code }) => {
    expect(await lint(path, code)).toContain('import-x/no-restricted-paths')
  })

  it('refuses Hono in the domain', async () => {
    expect(await lint('domain/probe.ts', "export { Hono } from 'hono'")).toContain(
      'no-restricted-imports',
    )
  })

  it.each([
    {
      label: 'the domain reading tables',
      path: 'domain/probe.ts',
      code: "import * as tables from '../db/schema/index.js'\nexport const x = tables",
    },
    {
      label: 'the stream listening to the change bus',
      path: 'stream/probe.ts',
      code: "import type { ChangeBus } from '../db/bus.js'\nexport type X = ChangeBus",
    },
    {
      label: 'a route using the stream and the HTTP edge',
      path: 'routes/sdk/probe.ts',
      code:
        "import type { EnvSnapshots } from '../../stream/snapshots.js'\n" +
        "import { notFound } from '../../http/problem.js'\n" +
        'export type X = EnvSnapshots\nexport const y = notFound',
    },
    {
      label: 'the composition root importing every layer',
      path: 'app.ts',
      code:
        "import { migrate } from './db/migrate.js'\n" +
        "import type { StreamHub } from './stream/hub.js'\n" +
        'export type X = StreamHub\nexport const y = migrate',
    },
  ])('allows $label', async ({ path, code }) => {
    expect(await lint(path, code)).toEqual([])
  })
})
