import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './process.js'

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager'

export function hasAlertmanager(): boolean {
  return existsSync(ALERTMANAGER_BIN)
}

export interface Alertmanager {
  url: string
  /** Posts alerts through Alertmanager's v2 API, as Prometheus would. */
  post(
    alerts: Array<{
      labels: Record<string, string>
      annotations?: Record<string, string>
      startsAt?: string
      endsAt?: string
    }>,
  ): Promise<void>
  stop(): Promise<void>
  output(): string
}

/** Starts a real Alertmanager (Debian's prometheus-alertmanager) that sends to `webhookUrl`. */
export async function startAlertmanager(webhookUrl: string): Promise<Alertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-am-'))
  const port = await freePort()
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: switchyard',
      "  group_by: ['alertname']",
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: switchyard',
      '    webhook_configs:',
      `      - url: '${webhookUrl}'`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout!.on('data', (d) => (output += d.toString()))
  child.stderr!.on('data', (d) => (output += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`alertmanager exited with ${child.exitCode}:\n${output}`)
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`alertmanager not ready in 20 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    output: () => output,
    post: async (alerts) => {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts.map((a) => ({ startsAt: new Date().toISOString(), ...a }))),
      })
      if (!res.ok)
        throw new Error(`alertmanager refused the alert: ${res.status} ${await res.text()}`)
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
