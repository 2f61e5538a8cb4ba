// A real Prometheus Alertmanager (Debian's prometheus-alertmanager) as a child process: its
// configuration, its version, and starting it on a free port with a temp storage dir.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, spawnKept, waitUntilUp } from '../lib/processes.mjs'

/** What Alertmanager runs with: every new alertname is a new group, dispatched at once. */
export function alertmanagerConfig(triggerUrl, recorderUrl) {
  return [
    'route:',
    '  receiver: switchyard',
    "  group_by: ['alertname']",
    '  group_wait: 0s',
    // Only a group's later notifications wait for group_interval; every alert here opens a new
    // group, and no group is notified twice within a run (nothing changes in it).
    '  group_interval: 5m',
    '  repeat_interval: 4h',
    'receivers:',
    '  - name: switchyard',
    '    webhook_configs:',
    `      - url: '${triggerUrl}'`,
    '        send_resolved: false',
    // The same notification, sent in parallel to a recorder in this process: when it went out.
    `      - url: '${recorderUrl}'`,
    '        send_resolved: false',
    '',
  ].join('\n')
}

/**
 * Starts `bin` with `config` and waits until it is ready. Resolves with its lib/processes.mjs
 * handle, tracked by the run guard, with `url` and `cleanUp()` (removes its temp dir).
 */
export async function startAlertmanager(bin, config, { guard, onUnexpectedExit }) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-bench-am-'))
  const port = await freePort()
  writeFileSync(join(dir, 'alertmanager.yml'), config)
  const args = [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', // no HA mode: no gossip settle wait, no peer-position wait
    '--log.level=warn',
  ]
  const alertmanager = spawnKept(bin, args, {
    env: { PATH: process.env.PATH ?? '' },
    onUnexpectedExit: onUnexpectedExit('prometheus-alertmanager'),
  })
  alertmanager.url = `http://127.0.0.1:${port}`
  alertmanager.label = 'alertmanager'
  alertmanager.cleanUp = () => rmSync(dir, { recursive: true, force: true })
  guard.track(alertmanager)
  await waitUntilUp(`${alertmanager.url}/-/ready`, 'alertmanager', 20_000)
  return alertmanager
}

export function alertmanagerVersion(bin) {
  try {
    return execFileSync(bin, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')[0]
      .trim()
  } catch (error) {
    return (
      String(error.stderr ?? error.stdout ?? '')
        .split('\n')[0]
        .trim() || null
    )
  }
}
