import { isSwitchyardError } from '@switchyard/core'
import { describe, expect, it } from 'vitest'
import { DEFAULTS, isSnapshot, pollUrl, resolveOptions, streamUrl } from './options.js'

describe('resolveOptions', () => {
  it('applies defaults', () => {
    const options = resolveOptions({ sdkKey: 'k', baseUrl: 'http://127.0.0.1:7400/' })
    expect(options).toMatchObject({
      baseUrls: ['http://127.0.0.1:7400'],
      stream: true,
      offline: false,
      pollIntervalMs: DEFAULTS.pollIntervalMs,
      initialBackoffMs: 500,
      maxBackoffMs: 30_000,
      streamTimeoutMs: 90_000,
      maxMessageBytes: 64 * 1024 * 1024,
    })
  })

  it('merges baseUrl and baseUrls without duplicates', () => {
    const options = resolveOptions({
      sdkKey: 'k',
      baseUrl: 'http://a:1',
      baseUrls: ['http://a:1/', 'https://b/switchyard'],
    })
    expect(options.baseUrls).toEqual(['http://a:1', 'https://b/switchyard'])
  })

  it.each([
    { label: 'no sdkKey', options: { baseUrl: 'http://a' }, message: 'sdkKey is required' },
    { label: 'no baseUrl', options: { sdkKey: 'k' }, message: 'baseUrl (or baseUrls) is required' },
    { label: 'a bad URL', options: { sdkKey: 'k', baseUrl: 'nope' }, message: 'not a valid URL' },
    { label: 'a ws URL', options: { sdkKey: 'k', baseUrl: 'ws://a' }, message: 'must be http(s)' },
    {
      label: 'a negative interval',
      options: { sdkKey: 'k', baseUrl: 'http://a', pollIntervalMs: -1 },
      message: 'pollIntervalMs must be a positive number',
    },
    {
      label: 'a zero byte limit',
      options: { sdkKey: 'k', baseUrl: 'http://a', maxMessageBytes: 0 },
      message: 'maxMessageBytes must be a positive number',
    },
    {
      label: 'an infinite byte limit',
      options: { sdkKey: 'k', baseUrl: 'http://a', maxMessageBytes: Infinity },
      message: 'maxMessageBytes must be a positive number',
    },
    {
      label: 'a fractional byte limit',
      options: { sdkKey: 'k', baseUrl: 'http://a', maxMessageBytes: 0.5 },
      message: 'maxMessageBytes must be a whole number of bytes',
    },
  ])('throws INVALID_OPTIONS for $label', ({ options, message }) => {
    let error: unknown
    try {
      resolveOptions(options)
    } catch (e) {
      error = e
    }
    expect(isSwitchyardError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS' })
    expect((error as Error).message).toContain(message)
  })

  it('ignores whitespace around the SDK key, such as the newline at the end of a secret file', () => {
    expect(resolveOptions({ sdkKey: '  sdk-abc123\n', baseUrl: 'http://a' }).sdkKey).toBe(
      'sdk-abc123',
    )
  })

  it.each([
    { label: 'a line break inside', sdkKey: 'sdk-abc\r\nX-Injected: 1' },
    { label: 'a control character', sdkKey: 'sdk-abc\u0000123' },
    { label: 'a character beyond Latin-1', sdkKey: 'sdk-abc\u2019123' },
    { label: 'only whitespace', sdkKey: ' \n' },
  ])('refuses an SDK key with $label, without echoing it', ({ sdkKey }) => {
    let error: unknown
    try {
      resolveOptions({ sdkKey, baseUrl: 'http://a' })
    } catch (e) {
      error = e
    }
    expect(isSwitchyardError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS' })
    expect((error as Error).message).toContain('sdkKey')
    expect((error as Error).message).not.toContain('sdk-abc')
  })

  it('needs neither key nor URL offline', () => {
    expect(resolveOptions({ offline: true }).baseUrls).toEqual([])
  })
})

describe('streamUrl', () => {
  it.each([
    { base: 'http://127.0.0.1:7400', version: -1, url: 'ws://127.0.0.1:7400/sdk/v1/stream' },
    {
      base: 'https://flags.example.com',
      version: 12,
      url: 'wss://flags.example.com/sdk/v1/stream?version=12',
    },
    {
      base: 'https://example.com/switchyard',
      version: 0,
      url: 'wss://example.com/switchyard/sdk/v1/stream?version=0',
    },
  ])('maps $base at version $version to $url', ({ base, version, url }) => {
    expect(streamUrl(base, version)).toBe(url)
  })

  it('builds the polling URL', () => {
    expect(pollUrl('https://example.com/switchyard')).toBe(
      'https://example.com/switchyard/sdk/v1/flags',
    )
  })
})

describe('isSnapshot', () => {
  it.each([
    { label: 'a snapshot', value: { version: 1, flags: [{ key: 'a' }] }, expected: true },
    { label: 'an empty snapshot', value: { version: 0, flags: [] }, expected: true },
    { label: 'a put message', value: { type: 'put', version: 3, flags: [] }, expected: true },
    { label: 'null', value: null, expected: false },
    { label: 'no version', value: { flags: [] }, expected: false },
    { label: 'a fractional version', value: { version: 1.5, flags: [] }, expected: false },
    { label: 'flags without keys', value: { version: 1, flags: [{}] }, expected: false },
  ])('says $label is a snapshot: $expected', ({ value, expected }) => {
    expect(isSnapshot(value)).toBe(expected)
  })
})
