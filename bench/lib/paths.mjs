// Where the repository and its built server are, wherever a benchmark is started from.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const SERVER_ENTRY = join(ROOT, 'server', 'dist', 'main.js')
