import { M365dError } from '../lib/errors.js'

/** Line and column (both 1-based) of a character offset in a query text. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(offset, text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: end - lineStart + 1 }
}

/** Base of every KQL error: a stable `code` plus the position of the offending text. */
export class KqlError extends M365dError {
  readonly line: number
  readonly column: number
  readonly offset: number

  constructor(code: string, message: string, text: string, offset: number, options: { hint?: string; cause?: unknown } = {}) {
    const { line, column } = positionOf(text, offset)
    super(code, `${message} (line ${line}, column ${column})`, options)
    this.line = line
    this.column = column
    this.offset = offset
  }
}

/** The text is not valid KQL (Kusto reports these as "A recognition error occurred"). */
export class KqlSyntaxError extends KqlError {
  constructor(message: string, text: string, offset: number) {
    super('ERR_KQL_SYNTAX', message, text, offset)
  }
}

/**
 * The query is well-formed but names something unknown or mixes types; codes:
 * ERR_KQL_UNKNOWN_COLUMN, ERR_KQL_UNKNOWN_TABLE, ERR_KQL_UNKNOWN_FUNCTION, ERR_KQL_TYPE, ERR_KQL_ARGUMENTS,
 * ERR_KQL_UNSUPPORTED (valid Kusto this engine does not implement).
 */
export class KqlSemanticError extends KqlError {}

/** Raised while evaluating (ERR_KQL_EXTERNALDATA_DENIED, ERR_KQL_RUNTIME, ERR_KQL_LIMIT). */
export class KqlRuntimeError extends KqlError {}
