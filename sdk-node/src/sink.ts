import type { SwitchyardError, WireFlag, WireSegment } from '@switchyard/core'

/** What a patch or delete did: applied, ignored as stale, or refused because versions were missed. */
export type ApplyResult = 'applied' | 'stale' | 'gap'

/** What a snapshot did: applied, or refused by the store, which still holds the previous data. */
export type PutResult = { ok: true } | { ok: false; reason: string; cause: unknown }

/** The client's side of a data source (stream or poller): where updates go. */
export interface DataSink {
  /** Environment version of the data held; -1 before any. */
  readonly version: number
  /**
   * Replaces all flags and segments with a snapshot (absent segments means none). `onApplied`
   * runs once the store took it, before 'ready' and 'change' are emitted. A refused snapshot
   * changes nothing and is not reported here: the source reports it, saying where it came from.
   */
  put(
    version: number,
    flags: WireFlag[],
    segments: WireSegment[] | undefined,
    onApplied: () => void,
  ): PutResult
  /** Applies one changed flag if `version` is the next one. */
  patch(version: number, flag: WireFlag): ApplyResult
  /** Applies one changed segment if `version` is the next one. */
  patchSegment(version: number, segment: WireSegment): ApplyResult
  /** Applies one deleted flag if `version` is the next one. */
  remove(version: number, key: string): ApplyResult
  /** Applies one deleted segment if `version` is the next one. */
  removeSegment(version: number, key: string): ApplyResult
  /** The server confirmed the data is current (an up-to-date ping, or a 304). */
  confirm(): void
  /** Logs an operational problem and emits it as an `'error'` event. */
  reportError(error: SwitchyardError): void
}

/** How a data source tells the client about its health. */
export interface SourceHooks {
  /** The source delivered data (the stream: any valid message; the poller: a successful poll). */
  onHealthy(): void
  /** The source failed and will retry by itself. */
  onDown(): void
  /** The source failed for good (bad or revoked key) and stopped retrying. */
  onStopped(error: SwitchyardError): void
}
