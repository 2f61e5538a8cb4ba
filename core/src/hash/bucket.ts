import { BUCKET_SCALE } from '../model/flag.js'
import { murmur3Concat } from './murmur3.js'

/**
 * The rollout bucket in [0, BUCKET_SCALE) of `value` for a flag: murmur3 x86_32 (seed 0) of
 * `saltPrefix + value`, unsigned, modulo 100000. `saltPrefix` is the flag's salt plus a dot
 * (`salt + '.'`), precomputed once at compile time. Never throws, allocates nothing.
 *
 * @example bucketValue('checkout-salt.', 'user-42') // an integer 0..99999
 */
export function bucketValue(saltPrefix: string, value: string): number {
  return murmur3Concat(saltPrefix, value, 0) % BUCKET_SCALE
}
