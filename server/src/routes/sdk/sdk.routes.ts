import { Hono } from 'hono'
import type { SdkAuthenticator } from '../../domain/sdk-auth.js'
import type { AppEnv } from '../../http/env.js'
import { notFound, upgradeRequired } from '../../http/problem.js'
import { serverKeyEnvironment } from '../../http/sdk-key.js'
import { isNotModified } from '../../http/validate.js'
import type { EnvSnapshots } from '../../stream/snapshots.js'

export interface SdkRouteDeps {
  snapshots: EnvSnapshots
  authenticateSdk: SdkAuthenticator
}

/** SDK endpoints: SDK keys only (API tokens are not SDK keys and are refused). */
export function sdkRoutes(deps: SdkRouteDeps) {
  const app = new Hono<AppEnv>()

  app.get('/flags', async (c) => {
    const env = await serverKeyEnvironment(
      deps.authenticateSdk,
      c.req.header('authorization'),
      'Client keys are not accepted on this endpoint yet',
    )
    const snapshot = await deps.snapshots.get(env)
    if (!snapshot) throw notFound('environment', env)
    const etag = snapshot.etag()
    c.header('ETag', etag)
    c.header('Cache-Control', 'no-cache')
    if (isNotModified(c, etag)) return c.body(null, 304)
    return c.body(snapshot.pollingJson(), 200, { 'Content-Type': 'application/json' })
  })

  // A plain GET on the stream path did not ask to upgrade.
  app.get('/stream', () => {
    throw upgradeRequired()
  })

  return app
}
