// The server's REST API with a bearer token.

/** call(method, path, body) against `baseUrl` with the token: { status, body (parsed JSON) }. */
export function restClient(baseUrl, token) {
  return async (method, path, body) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
}

export async function expectStatus(promise, status, what) {
  const res = await promise
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}
