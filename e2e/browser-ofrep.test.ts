import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OpenFeaturePage } from './browser/openfeature-page.js'
import { api, freePort, startServerProcess, type ServerProcess } from './process.js'

// A web page on its own origin evaluates flags through OFREP with the environment's public
// client key, in a real browser (Debian's Chromium through playwright-core): the CORS preflight
// for the Authorization header, the clientSide filter and the exposed ETag are the browser's to
// judge, not a Node fetch's.

const ADMIN = 'sy_tok_e2e-admin-token-0123456789'
const CHROMIUM = '/usr/bin/chromium'
// CI installs Debian's chromium in .ci/run; elsewhere the suite says why it skips.
const available = existsSync(CHROMIUM) || Boolean(process.env.CI)

interface FetchResult {
  status: number
  etag: string | null
  body: unknown
}

describe.runIf(available)('a web page evaluates clientSide flags with a client key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-e2e-browser-'))
  let server: ServerProcess
  let site: Server
  let siteUrl: string
  let browser: Browser
  let page: Page
  let clientKey: string

  beforeAll(async () => {
    server = await startServerProcess({ SWITCHYARD_DATA_DIR: dir, SWITCHYARD_ADMIN_TOKEN: ADMIN })
    const call = api(server.url, ADMIN)
    await call('POST', '/api/v1/flags', {
      key: 'web-theme',
      kind: 'string',
      clientSide: true,
      variations: [{ value: 'light' }, { value: 'dark' }],
    })
    await call('PUT', '/api/v1/flags/web-theme/envs/production', {
      on: true,
      offVariation: 0,
      rules: [
        { clauses: [{ attribute: 'country', op: 'in', values: ['DE'] }], serve: { variation: 1 } },
      ],
      fallthrough: { variation: 0 },
    })
    await call('POST', '/api/v1/flags', { key: 'server-only-payments' })
    const key = await call('POST', '/api/v1/environments/production/keys', { type: 'client' })
    expect(key.status).toBe(201)
    clientKey = key.body.key

    // The page's own origin: another port, so every OFREP call is cross-origin. It also serves
    // OpenFeature's web SDK with its OFREP provider, bundled from e2e/browser/openfeature-page.ts.
    const bundled = await build({
      entryPoints: [fileURLToPath(new URL('./browser/openfeature-page.ts', import.meta.url))],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    })
    const openFeatureScript = bundled.outputFiles[0]!.text
    const port = await freePort()
    site = createServer((req, res) => {
      if (req.url === '/openfeature.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' })
        res.end(openFeatureScript)
        return
      }
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(
        '<!doctype html><title>shop</title><script src="/openfeature.js"></script><p>shop</p>',
      )
    })
    await new Promise<void>((resolve) => site.listen(port, '127.0.0.1', resolve))
    siteUrl = `http://127.0.0.1:${port}/`

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    page = await browser.newPage()
    await page.goto(siteUrl)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)))
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** fetch() run by the page, with the client key, against the Switchyard server. */
  function evaluateInPage(path: string, ifNoneMatch?: string): Promise<FetchResult> {
    return page.evaluate(
      async ({ url, key, etag }) => {
        const headers: Record<string, string> = {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
        }
        if (etag) headers['if-none-match'] = etag
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ context: { targetingKey: 'u1', country: 'DE' } }),
        })
        const text = await res.text()
        return {
          status: res.status,
          etag: res.headers.get('etag'),
          body: text ? JSON.parse(text) : null,
        }
      },
      { url: `${server.url}/ofrep/v1${path}`, key: clientKey, etag: ifNoneMatch },
    )
  }

  it('gets the clientSide flags, evaluated for its context, and none of the others', async () => {
    const bulk = await evaluateInPage('/evaluate/flags')
    expect(bulk.status).toBe(200)
    expect(bulk.body).toEqual({
      flags: [
        { key: 'web-theme', value: 'dark', reason: 'TARGETING_MATCH', variant: '1', metadata: {} },
      ],
    })
    // the ETag is exposed to the page, and a repeat with it is answered 304
    expect(bulk.etag).toMatch(/^".+"$/)
    const again = await evaluateInPage('/evaluate/flags', bulk.etag!)
    expect(again.status).toBe(304)

    const one = await evaluateInPage('/evaluate/flags/web-theme')
    expect(one).toMatchObject({ status: 200, body: { key: 'web-theme', value: 'dark' } })
    const hidden = await evaluateInPage('/evaluate/flags/server-only-payments')
    expect(hidden.status).toBe(404)
    expect(hidden.body).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' })
  })

  it("works with OpenFeature's own OFREP web provider", async () => {
    const result = await page.evaluate(
      ([url, key]) =>
        (globalThis as unknown as OpenFeaturePage).evaluateWithOpenFeature(url!, key!),
      [server.url, clientKey],
    )
    expect(result).toEqual({
      theme: {
        flagKey: 'web-theme',
        value: 'dark',
        variant: '1',
        reason: 'TARGETING_MATCH',
        flagMetadata: {},
      },
      hidden: expect.objectContaining({
        flagKey: 'server-only-payments',
        value: false,
        reason: 'ERROR',
        errorCode: 'FLAG_NOT_FOUND',
      }),
      afterContextChange: {
        flagKey: 'web-theme',
        value: 'light',
        variant: '0',
        reason: 'DEFAULT',
        flagMetadata: {},
      },
    })
  })

  it('reads the error of a refused key too', async () => {
    const refused = await page.evaluate(async (url) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: 'Bearer sy_sdk_not-a-key', 'content-type': 'application/json' },
        body: '{}',
      })
      return { status: res.status, type: ((await res.json()) as { type: string }).type }
    }, `${server.url}/ofrep/v1/evaluate/flags`)
    expect(refused).toEqual({ status: 401, type: 'urn:switchyard:problem:unauthorized' })
  })

  it('cannot call the admin API from the page', async () => {
    const outcome = await page.evaluate(async (url) => {
      try {
        await fetch(url, { headers: { authorization: 'Bearer whatever' } })
        return 'read'
      } catch {
        return 'blocked'
      }
    }, `${server.url}/api/v1/flags`)
    expect(outcome).toBe('blocked')
  })
})

describe.skipIf(available)('OFREP from a real browser', () => {
  it.skip('needs Debian chromium (apt-get install -y chromium)', () => {})
})
