import { BUCKET_SCALE } from '../model/flag.js'
import { murmur3ConcatSigned } from './murmur3.js'

/**
 * The rollout bucket in [0, BUCKET_SCALE) of `value` for a flag: murmur3 x86_32 (seed 0) of
 * `saltPrefix + value`, unsigned, modulo 100000. `saltPrefix` is the flag's salt plus a dot
 * (`salt + '.'`), precomputed once at compile time. Never throws, allocates nothing.
 *
 * @example bucketValue('checkout-salt.', 'user-42') // an integer 0..99999
 */
export function bucketValue(saltPrefix: string, value: string): number {
  // perf: the unsigned hash exists only inside this expression, so it is never boxed (finish())
  return (murmur3ConcatSigned(saltPrefix, value, 0) >>> 0) % BUCKET_SCALE
}
