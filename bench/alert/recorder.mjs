// The webhook recorder: an HTTP server in this process that Alertmanager notifies next to the
// trigger, so a run knows when each alert's notification went out.
import { createServer } from 'node:http'
import { freePort } from '../lib/processes.mjs'
import { now } from '../lib/time.mjs'

/** Resolves with `url` (for Alertmanager), `arrival(alertname, timeoutMs)` and `close()`. */
export async function startRecorder() {
  /** alertname -> now() when Alertmanager's notification for it arrived here. */
  const recorded = new Map()
  const waiters = new Map()
  const port = await freePort()
  const server = createServer((req, res) => {
    const arrived = now() // headers parsed: the notification is on its way
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      res.writeHead(200).end()
      try {
        const payload = JSON.parse(body)
        for (const alert of payload.alerts ?? []) {
          const name = alert?.labels?.alertname
          if (!name || recorded.has(name)) continue
          recorded.set(name, arrived)
          waiters.get(name)?.()
        }
      } catch {
        // not ours
      }
    })
  })
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}/alertmanager-webhook`,
    /** When the notification for `name` arrived; null if it did not within `timeoutMs`. */
    arrival(name, timeoutMs) {
      if (recorded.has(name)) return Promise.resolve(recorded.get(name))
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(name)
          resolve(null)
        }, timeoutMs)
        waiters.set(name, () => {
          clearTimeout(timer)
          waiters.delete(name)
          resolve(recorded.get(name))
        })
      })
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}
