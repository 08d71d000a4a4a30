/**
 * A small OData v4 `$filter` parser and evaluator for the fields the Defender APIs filter on
 * (defender-api.md §2.2; Graph list-incidents/alerts_v2). Grammar:
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | '(' expr ')' | field op literal | field 'in' '(' literal (',' literal)* ')'
 *   op      := eq | ne | gt | ge | lt | le
 *   literal := DateTimeOffset (unquoted) | 'string' ('' escapes a quote) | null | number
 *
 * Errors carry the 0-based character position; routes turn them into 400 ODataError/BadRequest.
 *
 * `and`/`or` chains are n-ary nodes, so only parentheses and `not` make the tree deeper, and that
 * nesting is capped at {@link MAX_FILTER_DEPTH}: a hostile `((((…` or `not not …` is a 400 with the
 * position where the limit was crossed, never a stack overflow (issue 10 §6). ODataLib caps the
 * same thing (`ODataUriParserSettings.FilterLimit`, default 800); 100 leaves any real filter room.
 */

/** Deepest nesting of parentheses and `not` a `$filter` may have. */
export const MAX_FILTER_DEPTH = 100

export class FilterError extends Error {
  readonly code = 'ERR_ODATA_FILTER'
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`)
  }
}

export type FieldType = 'datetime' | 'string' | 'enum'

export interface FieldSpec<T> {
  type: FieldType
  get(item: T): number | string | null
  /** Operators allowed on this field (default: all six for datetime, eq/ne/in for strings and enums). */
  ops?: readonly string[]
  /** Valid values of an enum field (compared case-insensitively). */
  values?: readonly string[]
}

/** A point in time with sub-millisecond precision: DateTimeOffset literals may carry 7 digits. */
export interface Instant {
  ms: number
  /** 100-ns ticks beyond `ms` (0–9999). */
  sub: number
}

type Literal = { kind: 'datetime'; value: Instant } | { kind: 'string'; value: string } | { kind: 'null' } | { kind: 'number'; value: number }
export type FilterNode =
  | { kind: 'and'; operands: FilterNode[] }
  | { kind: 'or'; operands: FilterNode[] }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'cmp'; field: string; op: string; literal: Literal; position: number }
  | { kind: 'in'; field: string; literals: Literal[]; position: number }

const OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le']
const OP_NAMES: Record<string, string> = { eq: 'Equal', ne: 'NotEqual', gt: 'GreaterThan', ge: 'GreaterThanOrEqual', lt: 'LessThan', le: 'LessThanOrEqual' }
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})/

interface Token {
  type: 'ident' | 'string' | 'datetime' | 'number' | '(' | ')' | ','
  text: string
  position: number
  value?: Instant | string | number
}

export function parseInstant(text: string): Instant | undefined {
  const m = DATETIME.exec(text)
  if (!m || m[0].length !== text.length) return undefined
  const base = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[8]}`)
  if (Number.isNaN(base)) return undefined
  const frac = (m[7] ?? '').padEnd(7, '0')
  return { ms: base + Number(frac.slice(0, 3)), sub: Number(frac.slice(3)) }
}

// Sticky copies: matched at an offset without slicing the rest of the input for every token.
const DATETIME_AT = new RegExp(DATETIME.source.slice(1), 'y')
const YEAR_AT = /\d{4}-/y
const NUMBER_AT = /-?\d+(\.\d+)?/y
const IDENT_AT = /[A-Za-z_][A-Za-z0-9_/.]*/y

function at(re: RegExp, input: string, i: number): RegExpExecArray | null {
  re.lastIndex = i
  return re.exec(input)
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (c === ' ' || c === '\t') {
      i++
      continue
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, text: c, position: i })
      i++
      continue
    }
    if (c === "'") {
      let value = ''
      let j = i + 1
      for (;;) {
        if (j >= input.length) throw new FilterError('Unterminated string literal', i)
        if (input[j] === "'") {
          if (input[j + 1] === "'") {
            value += "'"
            j += 2
            continue
          }
          break
        }
        value += input[j]
        j++
      }
      tokens.push({ type: 'string', text: input.slice(i, j + 1), position: i, value })
      i = j + 1
      continue
    }
    const year = at(YEAR_AT, input, i) !== null
    const dt = year ? at(DATETIME_AT, input, i) : null
    if (dt) {
      const instant = parseInstant(dt[0])
      if (!instant) throw new FilterError(`'${dt[0]}' is not a valid DateTimeOffset literal`, i)
      tokens.push({ type: 'datetime', text: dt[0], position: i, value: instant })
      i += dt[0].length
      continue
    }
    const num = year ? null : at(NUMBER_AT, input, i)
    if (num) {
      tokens.push({ type: 'number', text: num[0], position: i, value: Number(num[0]) })
      i += num[0].length
      continue
    }
    const id = at(IDENT_AT, input, i)
    if (id) {
      tokens.push({ type: 'ident', text: id[0], position: i })
      i += id[0].length
      continue
    }
    if (year) throw new FilterError(`'${input.slice(i, i + 40).split(/[\s)]/)[0]}' is not a valid DateTimeOffset literal (expected e.g. 2024-05-01T00:00:00Z)`, i)
    throw new FilterError(`Syntax error: character '${c}' is not valid`, i)
  }
  return tokens
}

export function parseFilter(input: string): FilterNode {
  const tokens = tokenize(input)
  let p = 0
  const peek = () => tokens[p]
  const end = () => input.length
  const keyword = (word: string) => peek()?.type === 'ident' && peek()!.text === word
  let depth = 0
  const deeper = (position: number) => {
    if (++depth > MAX_FILTER_DEPTH) throw new FilterError(`The expression is nested more than ${MAX_FILTER_DEPTH} levels deep (parentheses and 'not')`, position)
  }

  function expr(): FilterNode {
    const operands = [and()]
    while (keyword('or')) {
      p++
      operands.push(and())
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands }
  }
  function and(): FilterNode {
    const operands = [unary()]
    while (keyword('and')) {
      p++
      operands.push(unary())
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands }
  }
  function literal(): Literal {
    const t = tokens[p++]
    if (!t) throw new FilterError('Expected a literal but reached the end of the expression', end())
    if (t.type === 'datetime') return { kind: 'datetime', value: t.value as Instant }
    if (t.type === 'string') return { kind: 'string', value: t.value as string }
    if (t.type === 'number') return { kind: 'number', value: t.value as number }
    if (t.type === 'ident' && t.text === 'null') return { kind: 'null' }
    throw new FilterError(`Expected a literal but found '${t.text}'`, t.position)
  }
  function unary(): FilterNode {
    const t = peek()
    if (!t) throw new FilterError('Expression expected', end())
    if (keyword('not')) {
      deeper(t.position)
      p++
      const operand = unary()
      depth--
      return { kind: 'not', operand }
    }
    if (t.type === '(') {
      deeper(t.position)
      p++
      const inner = expr()
      const close = tokens[p++]
      if (close?.type !== ')') throw new FilterError("')' expected", close?.position ?? end())
      depth--
      return inner
    }
    if (t.type !== 'ident') throw new FilterError(`Expected a property name but found '${t.text}'`, t.position)
    p++
    const op = tokens[p++]
    if (!op) throw new FilterError(`Expected an operator after '${t.text}'`, end())
    if (op.type === 'ident' && op.text === 'in') {
      if (tokens[p++]?.type !== '(') throw new FilterError("'(' expected after 'in'", tokens[p - 1]?.position ?? end())
      const literals = [literal()]
      while (peek()?.type === ',') {
        p++
        literals.push(literal())
      }
      if (tokens[p++]?.type !== ')') throw new FilterError("')' expected", tokens[p - 1]?.position ?? end())
      return { kind: 'in', field: t.text, literals, position: t.position }
    }
    if (op.type !== 'ident' || !OPS.includes(op.text)) throw new FilterError(`Unknown operator '${op.text}' (expected one of ${OPS.join(', ')}, in)`, op.position)
    return { kind: 'cmp', field: t.text, op: op.text, literal: literal(), position: t.position }
  }

  const node = expr()
  if (p < tokens.length) throw new FilterError(`Syntax error: unexpected '${tokens[p]!.text}'`, tokens[p]!.position)
  return node
}

/** Checks fields, operators and literal types against the surface's field specs. */
export function validateFilter<T>(node: FilterNode, fields: Record<string, FieldSpec<T>>, entity: string): void {
  if (node.kind === 'and' || node.kind === 'or') {
    for (const operand of node.operands) validateFilter(operand, fields, entity)
    return
  }
  if (node.kind === 'not') return validateFilter(node.operand, fields, entity)
  // Own properties only: `constructor` or `valueOf` must not find Object.prototype (found by the fuzzer).
  const spec = Object.hasOwn(fields, node.field) ? fields[node.field] : undefined
  if (!spec) throw new FilterError(`Could not find a filterable property named '${node.field}' on type '${entity}' (filterable: ${Object.keys(fields).join(', ')})`, node.position)
  const op = node.kind === 'in' ? 'in' : node.op
  const allowed = spec.ops ?? (spec.type === 'datetime' ? OPS : ['eq', 'ne', 'in'])
  if (!allowed.includes(op)) throw new FilterError(`Operator '${op}' is not supported on property '${node.field}' (supported: ${allowed.join(', ')})`, node.position)
  for (const lit of node.kind === 'in' ? node.literals : [node.literal]) {
    if (lit.kind === 'null') continue
    const expected = spec.type === 'datetime' ? 'datetime' : 'string'
    if (lit.kind !== expected) {
      const found = lit.kind === 'datetime' ? 'Edm.DateTimeOffset' : lit.kind === 'number' ? 'Edm.Int32' : 'Edm.String'
      const want = spec.type === 'datetime' ? 'Edm.DateTimeOffset' : 'Edm.String'
      throw new FilterError(`A binary operator with incompatible types was detected. Found operand types '${want}' and '${found}' for operator kind '${OP_NAMES[op] ?? 'In'}'`, node.position)
    }
    if (spec.type === 'enum' && lit.kind === 'string' && !spec.values!.some((v) => v.toLowerCase() === lit.value.toLowerCase()))
      throw new FilterError(`The string '${lit.value}' is not a valid value for '${node.field}' (valid: ${spec.values!.join(', ')})`, node.position)
  }
}

function compareInstant(a: number, b: Instant): number {
  return a !== b.ms ? a - b.ms : -b.sub
}

export function evaluate<T>(node: FilterNode, item: T, fields: Record<string, FieldSpec<T>>): boolean {
  switch (node.kind) {
    case 'and':
      return node.operands.every((o) => evaluate(o, item, fields))
    case 'or':
      return node.operands.some((o) => evaluate(o, item, fields))
    case 'not':
      return !evaluate(node.operand, item, fields)
    case 'in':
      return node.literals.some((lit) => compare(fields[node.field]!, item, 'eq', lit))
    case 'cmp':
      return compare(fields[node.field]!, item, node.op, node.literal)
  }
}

function compare<T>(spec: FieldSpec<T>, item: T, op: string, lit: Literal): boolean {
  const value = spec.get(item)
  if (lit.kind === 'null' || value === null) {
    const same = lit.kind === 'null' && value === null
    return op === 'eq' ? same : op === 'ne' ? !same : false
  }
  let c: number
  if (lit.kind === 'datetime') c = compareInstant(value as number, lit.value)
  else {
    const a = spec.type === 'enum' ? String(value).toLowerCase() : String(value)
    const b = spec.type === 'enum' ? String((lit as { value: string }).value).toLowerCase() : String((lit as { value: string }).value)
    c = a < b ? -1 : a > b ? 1 : 0
  }
  switch (op) {
    case 'eq':
      return c === 0
    case 'ne':
      return c !== 0
    case 'gt':
      return c > 0
    case 'ge':
      return c >= 0
    case 'lt':
      return c < 0
    default:
      return c <= 0
  }
}
