import { describe, expect, inject, it } from 'vitest'
import { postgresTarget } from './db.suite.js'
import { startTestServer } from './helpers.js'

describe.runIf(inject('postgres'))('when Postgres is unreachable', () => {
  it('answers 503 unavailable with Retry-After, and /readyz says not ready', async () => {
    const database = await postgresTarget.open()
    const server = await startTestServer(database)
    try {
      await database.close()
      const res = await server.api('GET', '/api/v1/flags')
      expect(res.status).toBe(503)
      expect(res.body.type).toBe('urn:switchyard:problem:unavailable')
      expect(res.headers.get('retry-after')).toBe('1')
      const ready = await server.api('GET', '/readyz', undefined, { token: null })
      expect(ready.status).toBe(503)
      expect(ready.body.database).toBe('unreachable')
    } finally {
      await server.close()
    }
  })
})
