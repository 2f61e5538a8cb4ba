export { FLAG_KEY, SALT } from '../scenarios.mjs'
/** Boolean variations in the order [false, true] for SDKs that index variations. */
export const BENCH_VARIATIONS = [false, true]
/**
 * A configuration object as an SDK receives it: parsed from JSON (as from the network). This
 * matters for speed: V8 internalizes short strings parsed from JSON, so comparisons against
 * them can be pointer comparisons, exactly as in production.
 */
export const viaJson = (value) => JSON.parse(JSON.stringify(value))
