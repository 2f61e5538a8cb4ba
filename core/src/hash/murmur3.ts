// MurmurHash3 x86_32 (Austin Appleby, public domain) over the UTF-8 bytes of JavaScript strings.
// Integer math only (Math.imul, >>>): no BigInt, no floats, no TextEncoder.

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

// Reused UTF-8 scratch for non-ASCII input; grows, never shrinks.
let scratch = new Uint8Array(256)

function mixK(k: number): number {
  k = Math.imul(k, C1)
  k = (k << 15) | (k >>> 17)
  return Math.imul(k, C2)
}

function mixH(h: number, k: number): number {
  h ^= mixK(k)
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

/**
 * The final mix. Returns the hash as a signed 32-bit integer; callers take `>>> 0` where they use
 * it: a uint32 of 2^31 or more is not a Smi, and returning one from a call boxes a HeapNumber.
 * perf: a signed int32 never boxes on Node 20 (bench/eval/README.md, "Allocation")
 */
function finish(h: number, k: number, length: number): number {
  if (k !== 0) h ^= mixK(k)
  h ^= length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0
}

/**
 * Hashes the UTF-8 bytes of `a` followed by those of `b`, as if they were one string, without
 * concatenating them. Returns an unsigned 32-bit integer. Never throws.
 */
export function murmur3Concat(a: string, b: string, seed = 0): number {
  return murmur3ConcatSigned(a, b, seed) >>> 0
}

/** murmur3Concat as a signed 32-bit integer (see finish): what bucketing uses. */
export function murmur3ConcatSigned(a: string, b: string, seed: number): number {
  // perf: ASCII fast path reads char codes straight into the block: no allocation at all.
  let h = seed | 0
  let k = 0
  let shift = 0
  for (let part = 0; part < 2; part++) {
    const s = part === 0 ? a : b
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c > 0x7f) return murmur3Utf8(a, b, seed)
      k |= c << shift
      shift += 8
      if (shift === 32) {
        h = mixH(h, k)
        k = 0
        shift = 0
      }
    }
  }
  return finish(h, k, a.length + b.length)
}

/**
 * MurmurHash3 x86_32 of the UTF-8 bytes of `input` (lone surrogates encode as U+FFFD, as
 * `TextEncoder` does). Returns an unsigned 32-bit integer. Never throws.
 */
export function murmur3(input: string, seed = 0): number {
  return murmur3ConcatSigned(input, '', seed) >>> 0
}

function murmur3Utf8(a: string, b: string, seed: number): number {
  // A UTF-16 code unit encodes to at most 3 bytes (a surrogate pair: 4 bytes for 2 units).
  const needed = 3 * (a.length + b.length)
  if (scratch.length < needed) scratch = new Uint8Array(Math.max(needed, scratch.length * 2))
  const bytes = scratch
  const length = encodeUtf8Into(b, bytes, encodeUtf8Into(a, bytes, 0))
  let h = seed | 0
  const blocks = length & ~3
  for (let i = 0; i < blocks; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    h = mixH(h, k)
  }
  let k = 0
  for (let i = blocks, shift = 0; i < length; i++, shift += 8) k |= bytes[i]! << shift
  return finish(h, k, length)
}

function encodeUtf8Into(s: string, out: Uint8Array, offset: number): number {
  let o = offset
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      out[o++] = c
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >>> 6)
      out[o++] = 0x80 | (c & 0x3f)
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
          i++
          out[o++] = 0xf0 | (cp >>> 18)
          out[o++] = 0x80 | ((cp >>> 12) & 0x3f)
          out[o++] = 0x80 | ((cp >>> 6) & 0x3f)
          out[o++] = 0x80 | (cp & 0x3f)
          continue
        }
        c = 0xfffd
      }
      out[o++] = 0xe0 | (c >>> 12)
      out[o++] = 0x80 | ((c >>> 6) & 0x3f)
      out[o++] = 0x80 | (c & 0x3f)
    }
  }
  return o
}
