import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Prometheus metrics, one registry per server (tests run several servers in one process). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_' })
  return {
    registry,
    httpRequests: new Counter({
      name: 'switchyard_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'switchyard_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    streamConnections: new Gauge({
      name: 'switchyard_stream_connections',
      help: 'Open SDK WebSocket connections',
      registers: [registry],
    }),
    streamMessages: new Counter({
      name: 'switchyard_stream_messages_total',
      help: 'Messages sent to SDK sockets, by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    streamSlowCloses: new Counter({
      name: 'switchyard_stream_slow_consumer_closes_total',
      help: 'SDK sockets closed (4429) because they stopped reading and their send buffer passed SWITCHYARD_STREAM_MAX_BUFFERED_BYTES',
      registers: [registry],
    }),
    envVersion: new Gauge({
      name: 'switchyard_environment_version',
      help: 'Environment version held by this replica’s stream snapshot',
      labelNames: ['env'] as const,
      registers: [registry],
    }),
    snapshotUpdated: new Gauge({
      name: 'switchyard_snapshot_updated_timestamp_seconds',
      help: 'When this replica last brought an environment snapshot up to date (unix seconds)',
      labelNames: ['env'] as const,
      registers: [registry],
    }),
    changeFanout: new Histogram({
      name: 'switchyard_change_fanout_seconds',
      help: 'Time from a committed change reaching the hub to its message being written to every socket',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
