// The table a run prints: latency, CPU, memory per connection and the targets, from its results.

/** Prints `r` (buildResults) with the path of its results file. */
export function printTable(r, outFile) {
  const fmt = (x) => (x === null ? '-' : x.toFixed(2).padStart(9))
  const row = (label, s) =>
    `  ${label.padEnd(22)}${fmt(s.p50)}${fmt(s.p90)}${fmt(s.p99)}${fmt(s.max)}${fmt(s.min)}`
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`
  const lines = [
    '',
    `Kill-switch propagation: ${r.clients} SDK clients, ${r.flips} flips (+${r.warmupFlips} warm-up), ${r.environment.database}` +
      (r.replicas === 2 ? ', two replicas: REST on A, clients on B' : ''),
    `  ${r.environment.note}; node ${r.environment.node}; other processes at start: ${r.environment.otherCpuBusyAtStartPct}% of a CPU`,
    '',
    `  latency (ms)                p50      p90      p99      max      min`,
    row('from REST response', r.latencyMs.fromResponse),
    row('from REST request', r.latencyMs.fromRequest),
    row('REST call itself', r.restResponseMs),
    ...(r.warmupLatencyMs ? [row('warm-up flips (resp.)', r.warmupLatencyMs.fromResponse)] : []),
    '',
    `  samples ${r.samples}, misses ${r.misses}, wrong values ${r.wrongValues}; clock offset ${r.clock.offsetMs} ms (IPC rtt ${r.clock.ipcRttMs} ms)`,
    `  CPU per flip: server${r.replicas === 2 ? 's A + B' : ''} ${r.cpu.serverMsPerFlip} ms, clients process ${r.cpu.clientsProcessMsPerFlip} ms; ` +
      `other processes during the ${(r.cpu.flipPhaseMs / 1000).toFixed(1)} s flip phase: ${r.cpu.wholeFlipPhaseMs.otherProcesses} ms, ` +
      `steal ${r.cpu.wholeFlipPhaseMs.steal} ms`,
    '',
    `  server${r.replicas === 2 ? ' B' : ''} memory per idle connection (${r.memory.serverConnections} connections; RSS less free V8 heap, after full GC):`,
    `    all ${r.clients} vs none ${(r.memory.bytesPerIdleConnection / 1024).toFixed(1)} KB` +
      `${r.memory.baselineMoved ? ' (baseline moved: the server handed memory back between readings)' : ''}; ` +
      `second half ${(r.memory.secondHalf.bytesPerConnection / 1024).toFixed(1)} KB; ` +
      `V8 heap ${(r.memory.heapUsedBytesPerConnection / 1024).toFixed(1)} KB -> judged on ${(r.memory.conservativeBytesPerConnection / 1024).toFixed(1)} KB`,
    `    plain RSS difference ` +
      `${(r.memory.rawRssBytesPerConnection / 1024).toFixed(1)} KB (RSS ${kb(r.memory.serverRssBeforeBytes)} -> ${kb(r.memory.serverRssAfterBytes)}, ` +
      `${kb(r.memory.serverRssBeforeGcBytes)} before the first forced GC)`,
    `    after the clients left (${r.memory.afterClientsLeft.connections} connections): still ` +
      `${(r.memory.afterClientsLeft.bytesPerFormerConnection / 1024).toFixed(1)} KB per former connection above the baseline ` +
      `(V8 heap ${(r.memory.afterClientsLeft.heapUsedBytesPerFormerConnection / 1024).toFixed(1)} KB)`,
    `  clients process memory per SDK client: ${(r.memory.clientsProcessBytesPerClient / 1024).toFixed(1)} KB`,
    '',
    `  targets: p99 < ${r.targets.p99Ms} ms ${r.targets.p99Met ? 'MET' : 'NOT MET'}; ` +
      `< ${r.targets.kbPerConnection} KB/connection ${r.targets.memoryMet ? 'MET' : 'NOT MET'}`,
    `  results: ${outFile}`,
  ]
  console.log(lines.join('\n'))
}
