import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const alias = {
  '@switchyard/core': fileURLToPath(new URL('./core/src/index.ts', import.meta.url)),
  // why: before '@switchyard/sdk-node', which would also match the subpath as a prefix
  '@switchyard/sdk-node/openfeature': fileURLToPath(
    new URL('./sdk-node/src/openfeature/index.ts', import.meta.url),
  ),
  '@switchyard/sdk-node': fileURLToPath(new URL('./sdk-node/src/index.ts', import.meta.url)),
}

// Every project fails a test that writes to the console (inline projects do not inherit this).
const setupFiles = ['./vitest.setup.ts']

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      { resolve: { alias }, test: { name: 'core', include: ['core/**/*.test.ts'], setupFiles } },
      {
        resolve: { alias },
        test: {
          name: 'sdk-node',
          include: ['sdk-node/**/*.test.ts'],
          setupFiles,
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'server',
          include: ['server/**/*.test.ts'],
          setupFiles,
          globalSetup: ['server/test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          setupFiles,
          globalSetup: ['server/test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
