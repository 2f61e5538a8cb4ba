export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Milliseconds since the epoch, sub-ms: one clock that processes on one machine can compare. */
export const now = () => performance.timeOrigin + performance.now()
