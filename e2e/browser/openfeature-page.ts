// Bundled for the browser by e2e/browser-ofrep.test.ts (esbuild): OpenFeature's web SDK with its
// official OFREP provider, pointed at a Switchyard server with a client key.
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider'
import { OpenFeature } from '@openfeature/web-sdk'

/** What this script puts on the page's global object. */
export interface OpenFeaturePage {
  evaluateWithOpenFeature(baseUrl: string, clientKey: string): Promise<unknown>
}

// why: globalThis, not window: the project's type check has no DOM lib
;(globalThis as unknown as OpenFeaturePage).evaluateWithOpenFeature = async (
  baseUrl: string,
  clientKey: string,
) => {
  await OpenFeature.setContext({ targetingKey: 'u1', country: 'DE' })
  await OpenFeature.setProviderAndWait(
    new OFREPWebProvider({ baseUrl, headers: [['Authorization', `Bearer ${clientKey}`]] }),
  )
  const client = OpenFeature.getClient()
  const theme = client.getStringDetails('web-theme', 'none')
  const hidden = client.getBooleanDetails('server-only-payments', false)
  // a new context: the provider evaluates the flags again through OFREP
  await OpenFeature.setContext({ targetingKey: 'u2', country: 'FR' })
  const afterContextChange = client.getStringDetails('web-theme', 'none')
  await OpenFeature.close()
  return { theme, hidden, afterContextChange }
}
