// The alerts: warm-up, then the measured ones, on two paths interleaved (Alertmanager, or the
// same webhook body posted straight to a trigger), each timed from its POST to the first and the
// last SDK client serving the flag off.
import { randomBytes } from 'node:crypto'
import { expectStatus } from '../lib/rest.mjs'
import { round } from '../lib/stats.mjs'
import { now, sleep } from '../lib/time.mjs'
import { ENV } from '../lib/flags.mjs'
import { FLAG_KEY, RUN_ID } from './kill-switch.mjs'

export const ITERATION_TIMEOUT_MS = 10_000
export const PAUSE_MS = 100 // after the restore has reached every client, before the next alert

// A trigger takes a burst of 30 deliveries, then 60 a minute (docs/triggers.md), and answers 429
// beyond that. Alertmanager's webhook notifier retries only 5xx: a 429 is dropped and the kill
// would wait for the group's next flush (group_interval). Each path has its own trigger and sends
// one delivery per alert; past the burst, deliveries to one trigger are spaced 1.05 s apart.
const BURST = 30

/** The spacing of deliveries to one trigger that `alerts` per trigger need (0: none). */
export function triggerPaceMs(alerts) {
  const paceMs = alerts > BURST - 2 ? 1_050 : 0
  if (paceMs)
    console.warn(
      `note: ${alerts} alerts per trigger exceed its burst of ${BURST}: spacing them ${paceMs} ms apart`,
    )
  return paceMs
}

/**
 * Fires options.warmup + options.iterations alerts per path, the two paths interleaved and their
 * order alternating, and prints a line per measured alert. `run` has call (REST), fleet,
 * recorder, alertmanager, killSwitch and paceMs. Resolves with one result per alert.
 */
export async function runAlerts(options, run) {
  const ctx = { ...run, lastDelivery: {} }
  const results = []
  const total = options.warmup + options.iterations
  for (let n = 0; n < total; n++) {
    const warmup = n < options.warmup
    const index = warmup ? n : n - options.warmup
    const order = n % 2 === 0 ? ['alertmanager', 'direct'] : ['direct', 'alertmanager']
    for (const path of order) {
      const r = await fireOnce(path, index, warmup, ctx)
      results.push(r)
      if (!warmup) {
        const extra =
          path === 'alertmanager'
            ? `dispatch ${r.dispatchMs} ms`
            : `hook answered in ${r.responseMs} ms`
        console.log(
          `  ${r.alertname.padEnd(20)} ${path.padEnd(12)} first ${r.firstMs} ms  last ${r.lastMs} ms  (${extra})`,
        )
      }
    }
  }
  return results
}

/** Turns the flag back on through REST and waits until every client serves true. */
async function restore(label, { call, fleet }) {
  const flip = fleet.arm(true)
  const res = await expectStatus(
    call('POST', `/api/v1/flags/${FLAG_KEY}/envs/${ENV}/restore`, {
      comment: `bench: restore before ${label}`,
    }),
    200,
    'restore',
  )
  if (!res.changed && fleet.servingEverywhere(true)) {
    fleet.disarm()
    return
  }
  if (!(await fleet.settle(flip, ITERATION_TIMEOUT_MS))) {
    throw new Error(
      `restore before ${label}: only ${flip.seen} of ${fleet.clients.length} clients serve true after ${ITERATION_TIMEOUT_MS} ms`,
    )
  }
}

const fingerprint = () => randomBytes(8).toString('hex')

function alertLabels(alertname, path) {
  return { alertname, run: RUN_ID, path, severity: 'page', instance: `bench-${fingerprint()}` }
}

/** Alertmanager's webhook v4 body, as its notifier would send it for one firing alert. */
function alertmanagerWebhookBody(labels, annotations, startsAt) {
  return {
    receiver: 'switchyard',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: fingerprint(),
      },
    ],
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: `{}:{alertname="${labels.alertname}"}`,
    truncatedAlerts: 0,
  }
}

/**
 * One measured alert on one path. The flag is on everywhere when it starts; it ends when every
 * client's 'change' shows the flag off (or after ITERATION_TIMEOUT_MS).
 */
async function fireOnce(path, index, warmup, ctx) {
  const { call, fleet } = ctx
  const alertname = `${warmup ? 'BenchWarmup' : 'BenchAlert'}${index}${path === 'direct' ? 'Direct' : ''}`
  await restore(alertname, ctx)
  await sleep(Math.max(PAUSE_MS, (ctx.lastDelivery[path] ?? -Infinity) + ctx.paceMs - now()))
  const labels = alertLabels(alertname, path)
  const annotations = { summary: `bench alert ${index} (${path})` }
  const startsAt = new Date().toISOString()
  const flip = fleet.arm(false)
  let responseMs
  let status
  let hookAnswer = null
  const tPost = now()
  ctx.lastDelivery[path] = tPost
  if (path === 'alertmanager') {
    const res = await fetch(`${ctx.alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels, annotations, startsAt }]),
    })
    responseMs = now() - tPost
    status = res.status
    await res.text()
    if (!res.ok) throw new Error(`alertmanager refused ${alertname}: ${res.status}`)
  } else {
    const res = await fetch(ctx.killSwitch.directTrigger.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.25.0' },
      body: JSON.stringify(alertmanagerWebhookBody(labels, annotations, startsAt)),
    })
    responseMs = now() - tPost
    status = res.status
    const text = await res.text()
    hookAnswer = text ? JSON.parse(text) : null
    if (!res.ok) throw new Error(`the trigger refused ${alertname}: ${res.status} ${text}`)
  }
  const complete = await fleet.settle(flip, ITERATION_TIMEOUT_MS)
  const seen = Array.from(flip.times)
    .filter((t) => t !== 0)
    .sort((a, b) => a - b)
  const dispatched =
    path === 'alertmanager' ? await ctx.recorder.arrival(alertname, complete ? 2_000 : 0) : null

  // Which trigger did it: the newest change record of the flag.
  const change = (
    await expectStatus(call('GET', `/api/v1/changes?flag=${FLAG_KEY}&limit=1`), 200, 'changes')
  ).items?.[0]
  const expectedActor = `trigger:${path === 'alertmanager' ? ctx.killSwitch.amTriggerName : ctx.killSwitch.directTriggerName}`
  const result = {
    path,
    alertname,
    warmup,
    complete,
    clientsSeen: seen.length,
    firstMs: seen.length ? round(seen[0] - tPost) : null,
    medianMs: seen.length ? round(seen[Math.floor((seen.length - 1) / 2)] - tPost) : null,
    lastMs: complete ? round(seen[seen.length - 1] - tPost) : null,
    responseMs: round(responseMs),
    status,
    // alertmanager path: POST -> Alertmanager's notification arriving at the recorder
    dispatchMs: dispatched === null ? null : round(dispatched - tPost),
    actor: change?.actor ?? null,
    action: change?.action ?? null,
    byExpectedTrigger: change?.actor === expectedActor && change?.action === 'trigger.kill',
    hookAnswer,
  }
  if (!complete) {
    console.warn(
      `  ${alertname}: only ${seen.length} of ${fleet.clients.length} clients serve false after ${ITERATION_TIMEOUT_MS} ms`,
    )
  }
  return result
}
