import { describe, expect, it } from 'vitest'
import { murmur3, murmur3Concat } from './murmur3.js'

// Published murmur3_x86_32 vectors (SMHasher / the widely cited reference table), plus UTF-8
// inputs checked against the mmh3 C library.
const VECTORS = [
  { input: '', seed: 0, hash: 0 },
  { input: '', seed: 1, hash: 0x514e28b7 },
  { input: '', seed: 0xffffffff, hash: 0x81f16f39 },
  { input: '\0\0\0\0', seed: 0, hash: 0x2362f9de },
  { input: 'aaaa', seed: 0x9747b28c, hash: 0x5a97808a },
  { input: 'aaa', seed: 0x9747b28c, hash: 0x283e0130 },
  { input: 'aa', seed: 0x9747b28c, hash: 0x5d211726 },
  { input: 'a', seed: 0x9747b28c, hash: 0x7fa09ea6 },
  { input: 'abcd', seed: 0x9747b28c, hash: 0xf0478627 },
  { input: 'hello', seed: 0, hash: 0x248bfa47 },
  { input: 'Hello, world!', seed: 0x9747b28c, hash: 0x24884cba },
  { input: 'The quick brown fox jumps over the lazy dog', seed: 0, hash: 0x2e4ff723 },
  { input: 'The quick brown fox jumps over the lazy dog', seed: 0x9747b28c, hash: 0x2fa826cd },
  { input: 'ππππππππ', seed: 0x9747b28c, hash: 0xd58063c1 },
  { input: 'héllo wörld', seed: 0, hash: 0x97f7f274 },
  { input: '日本語', seed: 0, hash: 0xa5a47297 },
  { input: '😀', seed: 0, hash: 0xbeb42efa },
]

describe('murmur3', () => {
  it.each(VECTORS.map((v) => ({ ...v, label: `${JSON.stringify(v.input)} seed ${v.seed}` })))(
    'hashes $label to the published value',
    ({ input, seed, hash }) => {
      expect(murmur3(input, seed)).toBe(hash)
    },
  )

  it('returns an unsigned 32-bit integer', () => {
    for (let i = 0; i < 1000; i++) {
      const hash = murmur3(`key-${i}`)
      expect(Number.isInteger(hash) && hash >= 0 && hash <= 0xffffffff).toBe(true)
    }
  })

  it('hashes a lone surrogate as U+FFFD, like TextEncoder', () => {
    expect(murmur3('a\ud800b')).toBe(murmur3('a\ufffdb'))
    expect(murmur3('\udc00')).toBe(murmur3('\ufffd'))
  })

  it('hashes two parts exactly like their concatenation, across block boundaries', () => {
    const parts = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'é', 'aé', 'abc😀', '日本']
    for (const a of parts) {
      for (const b of parts) {
        expect(murmur3Concat(a, b, 7), `${a}|${b}`).toBe(murmur3(a + b, 7))
      }
    }
  })

  it('hashes long non-ASCII input that outgrows the scratch buffer', () => {
    const long = 'ü'.repeat(1000)
    expect(murmur3(long)).toBe(murmur3Concat('ü'.repeat(400), 'ü'.repeat(600)))
    expect(murmur3(long)).not.toBe(murmur3('ü'.repeat(999)))
  })
})
