/** The subject of an evaluation: a key plus any attributes (nested objects allowed). */
export interface Context {
  key: string
  [attribute: string]: unknown
}
