// The published packages as users get them: `npm pack` of core and sdk-node, checked by publint
// and @arethetypeswrong/cli, then unpacked into a bare node_modules and used from an ES module
// and from CommonJS; and once more beside @openfeature/server-sdk for sdk-node's OpenFeature
// entry. Needs the builds (`npm test` builds first).
import { execFile } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(ROOT, 'node_modules', '.bin')
const PACKAGES = [
  { name: '@switchyard/core', workspace: 'core' },
  { name: '@switchyard/sdk-node', workspace: 'sdk-node' },
]

let dir: string
const tarballs = new Map<string, string>()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-pack-'))
  const args = ['pack', '--json', '--pack-destination', dir]
  for (const p of PACKAGES) args.push('-w', p.workspace)
  const { stdout } = await run('npm', args, { cwd: ROOT })
  for (const packed of JSON.parse(stdout) as { name: string; filename: string }[]) {
    tarballs.set(packed.name, join(dir, packed.filename))
  }
  // A bare install: the two tarballs unpacked, and ws (sdk-node's one dependency) linked. The
  // OpenFeature app has the optional peer @openfeature/server-sdk (and its peer) as well.
  for (const app of ['app', 'app-openfeature']) {
    for (const p of PACKAGES) {
      const target = join(dir, app, 'node_modules', ...p.name.split('/'))
      mkdirSync(target, { recursive: true })
      await run('tar', ['-xzf', tarballs.get(p.name)!, '-C', target, '--strip-components=1'])
    }
    link(app, 'ws')
  }
  link('app-openfeature', '@openfeature/server-sdk')
  link('app-openfeature', '@openfeature/core')
}, 60_000)

function link(app: string, name: string): void {
  const target = join(dir, app, 'node_modules', ...name.split('/'))
  mkdirSync(join(target, '..'), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules', ...name.split('/')), target)
}

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const SNAPSHOT = {
  version: 3,
  flags: [
    {
      key: 'new-checkout',
      kind: 'boolean',
      variations: [true, false],
      clientSide: false,
      version: 1,
      on: true,
      offVariation: 1,
      targets: [],
      rules: [
        {
          id: 'nl',
          clauses: [{ attribute: 'country', op: 'in', values: ['NL'], negate: false }],
          serve: { variation: 0 },
        },
      ],
      fallthrough: { variation: 1 },
      prerequisites: [],
      salt: 's',
    },
  ],
  segments: [],
}

const USE = (load: string) => `${load}
const store = createFlagStore()
store.put(SNAPSHOT.version, SNAPSHOT.flags, SNAPSHOT.segments)
const client = init({ offline: true, bootstrap: SNAPSHOT, logger: createSilentLogger() })
const out = {
  core: [store.variation('new-checkout', { key: 'a', country: 'NL' }, false), store.variation('new-checkout', { key: 'b', country: 'DE' }, true)],
  sdk: [client.variation('new-checkout', { key: 'a', country: 'NL' }, false), client.variationDetail('new-checkout', { key: 'b' }, true).reason.kind],
  error: new SwitchyardError('INVALID_ARGUMENT', 'x').name,
}
client.close().then(() => console.log(JSON.stringify(out)))
`

describe('the packed packages', () => {
  it.each(PACKAGES)(
    'pass publint: $name',
    async ({ workspace }) => {
      const { stdout } = await run(join(BIN, 'publint'), ['--strict', workspace], { cwd: ROOT })
      expect(stdout).toContain('All good!')
    },
    60_000,
  )

  it.each(PACKAGES)(
    'pass @arethetypeswrong/cli for ESM, CJS and bundlers: $name',
    async ({ name }) => {
      // attw exits non-zero on any problem, which rejects here
      const { stdout } = await run(join(BIN, 'attw'), [tarballs.get(name)!, '--format', 'json'], {
        cwd: ROOT,
      })
      const report = JSON.parse(stdout) as { analysis: { problems: unknown[] } }
      expect(report.analysis.problems).toEqual([])
    },
    60_000,
  )

  it.each([
    {
      label: 'an ES module',
      file: 'use.mjs',
      load: `import { createFlagStore, SwitchyardError } from '@switchyard/core'\nimport { init, createSilentLogger } from '@switchyard/sdk-node'`,
    },
    {
      label: 'CommonJS',
      file: 'use.cjs',
      load: `const { createFlagStore, SwitchyardError } = require('@switchyard/core')\nconst { init, createSilentLogger } = require('@switchyard/sdk-node')`,
    },
  ])(
    'work from $label',
    async ({ file, load }) => {
      const path = join(dir, 'app', file)
      writeFileSync(path, `const SNAPSHOT = ${JSON.stringify(SNAPSHOT)}\n${USE(load)}`)
      const { stdout } = await run(process.execPath, [path], { cwd: join(dir, 'app') })
      expect(JSON.parse(stdout)).toStrictEqual({
        core: [true, false],
        sdk: [true, 'FALLTHROUGH'],
        error: 'SwitchyardError',
      })
    },
    30_000,
  )
})

const USE_OPENFEATURE = `
async function main() {
  const provider = new SwitchyardProvider({ offline: true, bootstrap: SNAPSHOT, logger: createSilentLogger() })
  await OpenFeature.setProviderAndWait(provider)
  const client = OpenFeature.getClient()
  const nl = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'a', country: 'NL' })
  const de = await client.getBooleanDetails('new-checkout', true, { targetingKey: 'b', country: 'DE' })
  await OpenFeature.close()
  return { nl: [nl.value, nl.variant, nl.reason], de: [de.value, de.variant, de.reason], closed: provider.client === null }
}
main().then((out) => console.log(JSON.stringify(out)))
`

describe('the packed OpenFeature entry', () => {
  it.each([
    {
      label: 'an ES module',
      file: 'use.mjs',
      load: `import { OpenFeature } from '@openfeature/server-sdk'\nimport { createSilentLogger } from '@switchyard/sdk-node'\nimport { SwitchyardProvider } from '@switchyard/sdk-node/openfeature'`,
    },
    {
      label: 'CommonJS',
      file: 'use.cjs',
      load: `const { OpenFeature } = require('@openfeature/server-sdk')\nconst { createSilentLogger } = require('@switchyard/sdk-node')\nconst { SwitchyardProvider } = require('@switchyard/sdk-node/openfeature')`,
    },
  ])(
    'works from $label with @openfeature/server-sdk installed',
    async ({ file, load }) => {
      const path = join(dir, 'app-openfeature', file)
      writeFileSync(
        path,
        `${load}\nconst SNAPSHOT = ${JSON.stringify(SNAPSHOT)}\n${USE_OPENFEATURE}`,
      )
      const { stdout } = await run(process.execPath, [path], { cwd: join(dir, 'app-openfeature') })
      expect(JSON.parse(stdout)).toStrictEqual({
        nl: [true, '0', 'TARGETING_MATCH'],
        de: [false, '1', 'DEFAULT'],
        closed: true,
      })
    },
    30_000,
  )

  it.each([
    { label: 'an ES module', file: 'peer.mjs', load: `import('@switchyard/sdk-node/openfeature')` },
    {
      label: 'CommonJS',
      file: 'peer.cjs',
      load: `Promise.resolve().then(() => require('@switchyard/sdk-node/openfeature'))`,
    },
  ])(
    'needs @openfeature/server-sdk, which the main entry does not, from $label',
    async ({ file, load }) => {
      // the bare app has no @openfeature packages, and the main entry works there (above)
      const path = join(dir, 'app', file)
      writeFileSync(
        path,
        `${load}.then(() => console.log('loaded'), (e) => console.log(e.code, e.message.split('\\n')[0]))`,
      )
      const { stdout } = await run(process.execPath, [path], { cwd: join(dir, 'app') })
      expect(stdout).toMatch(
        /^(ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND) .*'@openfeature\/server-sdk'/,
      )
    },
    30_000,
  )
})
