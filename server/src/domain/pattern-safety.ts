import { isSafePattern } from 'redos-detector'
import type { FieldError } from './errors.js'

/**
 * How hard redos-detector looks at a `matches` pattern. A pattern is safe when no input can
 * match it in more than MAX_SCORE ways (so a failing match backtracks little); MAX_STEPS and
 * TIMEOUT_MS bound the search, and a pattern it cannot clear within them is refused too.
 * Ordinary patterns (anchored prefixes, alternations of words, character classes with one
 * quantifier) score 1-4 in a few milliseconds; `(a+)+`, `(x+x+)+y`, `(a|a)*b` and `(.*a){12}`
 * exceed a limit.
 */
export const PATTERN_LIMITS = { maxScore: 10, maxSteps: 2000, timeoutMs: 1000 } as const

/** The most time one write may spend checking its new patterns (the check blocks the thread). */
export const WRITE_CHECK_BUDGET_MS = 2000

const CODE = 'unsafe_pattern'

type Verdict = { safe: true } | { safe: false; message: string }

/** Whether a pattern (one that compiles) is safe to run on the server against any input. */
export function checkPattern(
  pattern: string,
  timeoutMs: number = PATTERN_LIMITS.timeoutMs,
): Verdict {
  let result
  try {
    result = isSafePattern(pattern, {
      maxScore: PATTERN_LIMITS.maxScore,
      maxSteps: PATTERN_LIMITS.maxSteps,
      timeout: timeoutMs,
    })
  } catch (error) {
    return {
      safe: false,
      message: `could not be checked for catastrophic backtracking: ${(error as Error).message.split('\n')[0]}`,
    }
  }
  if (result.safe) return { safe: true }
  switch (result.error) {
    case 'hitMaxScore':
      return {
        safe: false,
        message:
          `can backtrack catastrophically: some inputs match it in more than ` +
          `${PATTERN_LIMITS.maxScore} ways (nested or overlapping quantifiers, such as (a+)+ ` +
          `or (a|a)*); rewrite it so that each part of an input can match only one way`,
      }
    case 'hitMaxSteps':
      return {
        safe: false,
        message:
          `could not be shown safe from catastrophic backtracking within the checker's ` +
          `${PATTERN_LIMITS.maxSteps} steps; simplify it`,
      }
    case 'timedOut':
      return {
        safe: false,
        message:
          `could not be shown safe from catastrophic backtracking within ${timeoutMs} ms; ` +
          `simplify it, or write it again when the server is less busy`,
      }
  }
}

interface PatternClause {
  op: string
  values: readonly unknown[]
}

/** `matches` values that are strings and compile; the evaluator's compiler judges the others. */
function* patternsOf(rules: readonly { clauses: readonly PatternClause[] }[]) {
  for (const [r, rule] of rules.entries())
    for (const [c, clause] of rule.clauses.entries()) {
      if (clause.op !== 'matches') continue
      for (const [v, value] of clause.values.entries()) {
        if (typeof value !== 'string') continue
        try {
          new RegExp(value)
        } catch {
          continue
        }
        yield { path: `rules.${r}.clauses.${c}.values.${v}`, pattern: value }
      }
    }
}

/**
 * The `matches` patterns of `rules` that could stall the server's evaluation (OFREP runs them on
 * callers' strings), at `rules.i.clauses.j.values.k`. Patterns already in `previous` (what the
 * flag or segment holds now) are not checked again, so that a kill switch or any other write
 * never fails on a pattern stored before the check existed.
 */
export function unsafePatternErrors(
  rules: readonly { clauses: readonly PatternClause[] }[],
  previous: readonly { clauses: readonly PatternClause[] }[] = [],
  now: () => number = () => performance.now(),
): FieldError[] {
  const known = new Set<string>()
  for (const { pattern } of patternsOf(previous)) known.add(pattern)
  const verdicts = new Map<string, Verdict>()
  const errors: FieldError[] = []
  const deadline = now() + WRITE_CHECK_BUDGET_MS
  let unchecked: { path: string; count: number } | null = null
  for (const { path, pattern } of patternsOf(rules)) {
    if (known.has(pattern)) continue
    let verdict = verdicts.get(pattern)
    if (!verdict) {
      const left = deadline - now()
      if (left <= 0) {
        unchecked ??= { path, count: 0 }
        unchecked.count++
        continue
      }
      verdict = checkPattern(pattern, Math.min(PATTERN_LIMITS.timeoutMs, Math.ceil(left)))
      verdicts.set(pattern, verdict)
    }
    if (!verdict.safe) errors.push({ path, code: CODE, message: verdict.message })
  }
  if (unchecked)
    errors.push({
      path: unchecked.path,
      code: CODE,
      message:
        `this and ${unchecked.count - 1} more new pattern(s) were not checked for catastrophic ` +
        `backtracking: one write may spend ${WRITE_CHECK_BUDGET_MS} ms on it; write fewer new ` +
        `patterns at once`,
    })
  return errors
}
