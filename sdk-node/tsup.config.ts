import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', openfeature: 'src/openfeature/index.ts' },
  format: ['esm', 'cjs'],
  // why: tsup's dts build sets baseUrl, which TypeScript 6 deprecates (TS5101)
  dts: { compilerOptions: { paths: {}, ignoreDeprecations: '6.0' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['@switchyard/core', 'ws', '@openfeature/server-sdk'],
})
