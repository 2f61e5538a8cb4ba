import { defineConfig } from 'tsup'

// The server is an application: core is bundled in, npm dependencies stay external.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
  noExternal: ['@switchyard/core'],
})
