// The streaming server's idle memory, read with no work in flight: after full GCs in the server
// (server-probe.mjs) and once its resident size has settled.
import { sleep } from '../lib/time.mjs'
import { residentByMapping, rssBytes } from '../lib/proc.mjs'

/** How long the clients stay idle before a reading with them connected. */
export const SETTLE_MS = 2_000

/**
 * VmRSS as it stands (garbage included), then rounds of a full GC in the server, a 1 s pause and
 * a VmRSS reading, until two readings in a row are within 512 KB of each other (V8 hands pages
 * back to the OS some time after a GC), at most 8. `servers` is what startServers resolved with.
 */
export async function idleMemory(servers) {
  const pid = servers.streamer.pid
  const rawRss = await rssBytes(pid)
  let v8
  let rss = null
  const readings = []
  for (let round = 0; round < 8; round++) {
    v8 = await servers.probeMemory(true)
    await sleep(1_000)
    const reading = await rssBytes(pid, 3, 100)
    readings.push(reading)
    const settled = rss !== null && Math.abs(reading - rss) < 512 * 1024
    rss = reading
    if (settled) break
  }
  return {
    rss,
    // resident memory less the free part of the V8 heap: the heap's capacity moves by tens of MB
    // between GCs on its own (heapTotal), which would otherwise swamp a few MB of connections
    rssLessFreeHeap: rss - (v8.heapTotal - v8.heapUsed),
    rawRss,
    rssReadings: readings,
    heapUsed: v8.heapUsed,
    heapTotal: v8.heapTotal,
    external: v8.external,
    arrayBuffers: v8.arrayBuffers,
    byMapping: residentByMapping(pid),
  }
}
