// Preloaded into the server process by servers.mjs (node --expose-gc --import <this> main.js).
// It adds nothing to the server but an answer over the IPC channel: a full garbage collection on
// request and the process's memory figures, so the benchmark can report retained heap per
// connection next to the raw RSS. The server code itself is unchanged.
import { getHeapStatistics } from 'node:v8'

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message?.type !== 'bench:memory') return
    if (message.gc && typeof globalThis.gc === 'function') {
      // twice: the first pass may only queue finalizers (sockets, buffers) for the second
      globalThis.gc()
      globalThis.gc()
    }
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage()
    const heap = getHeapStatistics()
    process.send({
      type: 'bench:memory',
      seq: message.seq,
      gc: typeof globalThis.gc === 'function' && Boolean(message.gc),
      rss,
      heapTotal,
      heapUsed,
      external,
      arrayBuffers,
      mallocedMemory: heap.malloced_memory,
    })
  })
  // why: the channel must never keep the server alive on its own
  process.channel?.unref()
}
