import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { HttpProblem } from './problem.js'

/**
 * Answers an upgrade request with a problem before any WebSocket exists, on the raw socket, and
 * closes it. The body is short: the problem's type and status, and its detail as the title.
 */
export function refuseUpgrade(socket: Duplex, problem: HttpProblem): void {
  if (socket.destroyed) return
  const { status } = problem
  const body = JSON.stringify({
    type: `urn:switchyard:problem:${problem.slug}`,
    title: problem.detail ?? problem.title,
    status,
  })
  const headers = Object.entries(problem.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${headers}Connection: close\r\n\r\n${body}`,
  )
}
