// ESLint flat config: recommended JS and TypeScript rules, plus the project's boundaries: core
// has no dependencies and no `node:` imports; no `any` without a reason; the server's layers
// import only in the directions of docs/decisions/0006-server-layers.md.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import js from '@eslint/js'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const SERVER_SRC = fileURLToPath(new URL('./server/src/', import.meta.url))

/** The composition root: the only modules that may import from every layer. */
const ROOT = ['app.ts', 'server.ts', 'main.ts']
/** Leaves every layer may use; they import no module of the server themselves. */
const LEAVES = ['logger.ts', 'metrics.ts']
const LAYERS = ['db', 'schemas', 'domain', 'http', 'routes', 'stream', 'jobs']
const everythingBut = (...allowed) =>
  [...LAYERS, ...ROOT, 'config.ts'].filter((path) => !allowed.includes(path))

/**
 * What each part of server/src must not import (paths relative to it). Allowed, by difference:
 * db -> core; schemas -> core; domain -> db, schemas; http -> domain; routes -> http, domain,
 * schemas, stream; stream and jobs -> domain and the change bus (db/bus.ts); all -> leaves.
 */
const SERVER_ZONES = [
  { target: 'db', from: everythingBut('db'), message: 'db imports core only.' },
  { target: 'schemas', from: everythingBut('schemas'), message: 'schemas import core only.' },
  {
    target: 'domain',
    from: everythingBut('domain', 'db', 'schemas'),
    message: 'The domain imports db and schemas only: no HTTP, routes, stream or jobs.',
  },
  {
    target: 'http',
    from: everythingBut('http', 'domain'),
    message: 'http (the edge) imports the domain only: never db, routes, stream or jobs.',
  },
  {
    target: 'routes',
    from: everythingBut('routes', 'http', 'domain', 'schemas', 'stream'),
    message: 'Routes import http, domain, schemas and stream: never db or jobs.',
  },
  // A route folder is a leaf: it imports no other route folder.
  ...readdirSync(new URL('routes/', `file://${SERVER_SRC}`), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => ({
      target: `routes/${name}`,
      from: 'routes',
      except: [`./${name}`],
      message: 'A route folder imports no other route folder.',
    })),
  ...['stream', 'jobs'].map((layer) => ({
    target: layer,
    from: everythingBut(layer, 'domain', 'db'),
    message: `${layer} imports the domain (and the change bus) only: never routes or http.`,
  })),
  ...['stream', 'jobs'].map((layer) => ({
    target: layer,
    from: 'db',
    except: ['./bus.ts'],
    message: `${layer} reads through the domain; of db it may import only the change bus.`,
  })),
  ...[...LEAVES, 'config.ts'].map((leaf) => ({
    target: leaf,
    from: everythingBut(),
    message: `${leaf} imports no module of the server.`,
  })),
]

/** Framework and socket packages the inner layers must not depend on. */
const NO_HTTP_PACKAGES = {
  patterns: [
    {
      regex: '^(hono|@hono/[^/]+|ws)(/.*)?$',
      message: 'HTTP and sockets belong to http/, routes/ and stream/.',
    },
  ],
}

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'bench/results/**', 'data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['core/src/**/*.ts'],
    ignores: ['core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'core runs in browsers too: no node: imports' },
            { regex: '^(?!\\.)', message: 'core has no dependencies: relative imports only' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/**/*.test.ts', 'server/src/**/*.test-d.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // ESM imports name the emitted `.js`; the source is `.ts`.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: SERVER_SRC, zones: SERVER_ZONES }],
    },
  },
  {
    files: ['server/src/{db,schemas,domain,jobs}/**/*.ts'],
    ignores: ['server/src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', NO_HTTP_PACKAGES] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // why: tests may reach into untyped shapes (response bodies, private state) without a reason
    files: ['**/*.test.ts', '**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
)
