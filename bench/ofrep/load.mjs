// The load generator, in a process of its own (forked by run.mjs): it runs autocannon for each
// request it is sent over IPC and answers with autocannon's result, so that its CPU is accounted
// apart from the server's and from the benchmark's.
//
//   parent -> { type: 'run', seq, url, method, headers, body, connections, durationS }
//   child  -> { type: 'ready' } once, then { type: 'result', seq, result } or { type: 'error', seq, message }
import autocannon from 'autocannon'

if (typeof process.send !== 'function') {
  console.error('load.mjs is started by run.mjs (it needs an IPC channel)')
  process.exit(2)
}

process.on('message', async (message) => {
  if (message?.type !== 'run') return
  try {
    const result = await autocannon({
      url: message.url,
      method: message.method,
      headers: message.headers,
      body: message.body,
      connections: message.connections,
      duration: message.durationS,
      pipelining: 1,
    })
    process.send({ type: 'result', seq: message.seq, result: keep(result) })
  } catch (error) {
    process.send({ type: 'error', seq: message.seq, message: error?.message ?? String(error) })
  }
})
process.send({ type: 'ready' })

/** The parts of autocannon's result the benchmark reports (not its per-second sample arrays). */
function keep(r) {
  return {
    durationS: r.duration,
    start: r.start,
    finish: r.finish,
    requests: r.requests,
    latency: r.latency,
    throughput: r.throughput,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    non2xx: r.non2xx,
    resets: r.resets,
    statusCodeStats: r.statusCodeStats,
  }
}
