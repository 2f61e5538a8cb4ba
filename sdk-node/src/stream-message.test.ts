import { describe, expect, it } from 'vitest'
import { boolFlag, keySegment } from '../test/fake-server.js'
import { parseStreamMessage } from './stream-message.js'

const FLAG = boolFlag('new-checkout', true, 2)
const SEGMENT = keySegment('beta', ['alice'], 2)

describe('parseStreamMessage', () => {
  it.each([
    {
      label: 'a put',
      message: { type: 'put', version: 3, flags: [FLAG], segments: [SEGMENT] },
      expected: { kind: 'put', version: 3, flags: [FLAG], segments: [SEGMENT] },
    },
    {
      label: 'a put without segments',
      message: { type: 'put', version: 3, flags: [] },
      expected: { kind: 'put', version: 3, flags: [], segments: undefined },
    },
    {
      label: 'a put whose flags is not an array as malformed',
      message: { type: 'put', version: 3, flags: { 'new-checkout': FLAG } },
      expected: { kind: 'malformed-put' },
    },
    {
      label: 'a put without a whole version as malformed',
      message: { type: 'put', version: 1.5, flags: [] },
      expected: { kind: 'malformed-put' },
    },
    {
      label: 'a flag patch',
      message: { type: 'patch', version: 2, flag: FLAG },
      expected: { kind: 'patch', version: 2, flag: FLAG },
    },
    {
      label: 'a segment patch',
      message: { type: 'patch', version: 2, segment: SEGMENT },
      expected: { kind: 'patch-segment', version: 2, segment: SEGMENT },
    },
    {
      label: 'a patch with both a flag and a segment as invalid',
      message: { type: 'patch', version: 2, flag: FLAG, segment: SEGMENT },
      expected: { kind: 'invalid', what: 'a malformed patch' },
    },
    {
      label: 'a patch with neither as invalid',
      message: { type: 'patch', version: 2 },
      expected: { kind: 'invalid', what: 'a malformed patch' },
    },
    {
      label: 'a patch of a flag without a key as invalid',
      message: { type: 'patch', version: 2, flag: { ...FLAG, key: 7 } },
      expected: { kind: 'invalid', what: 'a malformed patch' },
    },
    {
      label: 'a patch of a null flag as invalid',
      message: { type: 'patch', version: 2, flag: null },
      expected: { kind: 'invalid', what: 'a malformed patch' },
    },
    {
      label: 'a patch without a version as invalid',
      message: { type: 'patch', flag: FLAG },
      expected: { kind: 'invalid', what: 'a malformed patch' },
    },
    {
      label: 'a delete without a kind as a flag delete',
      message: { type: 'delete', version: 4, key: 'new-checkout' },
      expected: { kind: 'delete', version: 4, key: 'new-checkout' },
    },
    {
      label: 'a segment delete',
      message: { type: 'delete', version: 4, key: 'beta', kind: 'segment' },
      expected: { kind: 'delete-segment', version: 4, key: 'beta' },
    },
    {
      label: 'a delete of an unknown kind as invalid',
      message: { type: 'delete', version: 4, key: 'x', kind: 'environment' },
      expected: { kind: 'invalid', what: 'a delete of unknown kind environment' },
    },
    {
      label: 'a delete without a key as invalid',
      message: { type: 'delete', version: 4 },
      expected: { kind: 'invalid', what: 'a malformed delete' },
    },
    {
      label: 'a ping',
      message: { type: 'ping', time: 42, version: 7 },
      expected: { kind: 'ping', time: 42, version: 7 },
    },
    {
      label: 'a ping without a time or a version',
      message: { type: 'ping', time: 'now', version: '7' },
      expected: { kind: 'ping', time: null, version: null },
    },
    {
      label: 'a type it does not know',
      message: { type: 'hello', version: 1 },
      expected: { kind: 'unknown', type: 'hello' },
    },
  ])('reads $label', ({ message, expected }) => {
    expect(parseStreamMessage(JSON.stringify(message))).toEqual(expected)
  })

  it.each([
    { label: 'text that is not JSON', text: 'not json' },
    { label: 'a JSON array', text: '[1]' },
    { label: 'an object without a type', text: '{"version":1}' },
    { label: 'null', text: 'null' },
    { label: 'a binary message', text: null },
  ])('calls $label invalid', ({ text }) => {
    expect(parseStreamMessage(text)).toEqual({
      kind: 'invalid',
      what: 'a message that is not a JSON object with a type',
    })
  })
})
