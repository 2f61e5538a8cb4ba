// A run's flag and SDK key, set up through the REST API, and the context its clients evaluate.
import { expectStatus } from './rest.mjs'

export const ENV = 'production'
/** The evaluation context of every benchmark client. */
export const CONTEXT = { key: 'bench-user' }

/** Creates the flag (`body`: its key, maybe a comment) and turns it on in ENV. */
export async function createFlagOn(call, body) {
  await expectStatus(call('POST', '/api/v1/flags', body), 201, 'create flag')
  await expectStatus(
    call('POST', `/api/v1/flags/${body.key}/envs/${ENV}/restore`, { comment: 'bench: on' }),
    200,
    'turn the flag on',
  )
}

/** A new SDK key of ENV, `type` 'server' or 'client': `{ id, key, … }`. */
export function createSdkKey(call, type) {
  return expectStatus(
    call('POST', `/api/v1/environments/${ENV}/keys`, { type }),
    201,
    `create ${type} SDK key`,
  )
}

/** A new server SDK key of ENV: `{ id, key, … }`. */
export const createServerKey = (call) => createSdkKey(call, 'server')
