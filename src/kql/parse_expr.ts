import type { Assignment, Expr } from './ast.js'
import type { Token } from './lexer.js'
import { TokenStream } from './token_stream.js'
import { typeFromName } from './types.js'
import { parseDatetimeLiteral, parseTimespanLiteral } from './values.js'

/**
 * Binding powers of KQL's binary scalar operators: ONE table (style.md §13). Comparison and string
 * operators share a level in Kusto; `and` binds tighter than `or`.
 */
const BINARY_BP: Record<string, number> = {
  or: 10,
  and: 20,
  '==': 30, '!=': 30, '<>': 30, '<': 30, '<=': 30, '>': 30, '>=': 30, '=~': 30, '!~': 30,
  has: 30, '!has': 30, has_cs: 30, '!has_cs': 30, hasprefix: 30, '!hasprefix': 30, hasprefix_cs: 30, '!hasprefix_cs': 30,
  hassuffix: 30, '!hassuffix': 30, hassuffix_cs: 30, '!hassuffix_cs': 30, contains: 30, '!contains': 30,
  contains_cs: 30, '!contains_cs': 30, startswith: 30, '!startswith': 30, startswith_cs: 30, '!startswith_cs': 30,
  endswith: 30, '!endswith': 30, endswith_cs: 30, '!endswith_cs': 30, matches: 30, like: 30, notlike: 30,
  in: 30, '!in': 30, 'in~': 30, '!in~': 30, has_any: 30, has_all: 30, between: 30, '!between': 30,
  notcontains: 30, notcontainscs: 30, containscs: 30, nothas: 30, notstartswith: 30, notendswith: 30,
  '+': 40, '-': 40,
  '*': 50, '/': 50, '%': 50,
}
export const PREFIX_BP = 60
/** Deprecated spellings Kusto still accepts. */
const LEGACY_OPS: Record<string, string> = { '<>': '!=', notcontains: '!contains', notcontainscs: '!contains_cs', containscs: 'contains_cs', nothas: '!has', notstartswith: '!startswith', notendswith: '!endswith' }
const LIST_OPS = new Set(['in', '!in', 'in~', '!in~', 'has_any', 'has_all'])
const TYPED_LITERALS = new Set(['datetime', 'date', 'timespan', 'time', 'guid', 'dynamic', 'long', 'int', 'int64', 'int32', 'real', 'double', 'bool', 'boolean', 'decimal'])

/**
 * The scalar-expression half of the parser: a Pratt loop over BINARY_BP, prefix forms, typed
 * literals and `dynamic(…)` bodies. Tabular constructs it meets (parenthesised pipelines, call
 * arguments, `datatable`/`union`/… sources) are delegated to the subclass.
 */
export abstract class ExprParser extends TokenStream {
  /** An expression optionally followed by `| operator …`. */
  abstract parsePipeExpr(): Expr
  /** Source keywords at the start of an expression (datatable, union, find, search, range, print). */
  protected abstract parseSourceKeyword(t: Token, nextIsParen: boolean): Expr | undefined

  protected inPlugin = false
  protected inSearch = false

  protected parseAssignments(): Assignment[] {
    const items: Assignment[] = []
    do {
      if (this.isPunct(',')) this.next()
      items.push(this.parseAssignment())
    } while (this.isPunct(','))
    return items
  }

  protected parseAssignment(): Assignment {
    const pos = this.peek().start
    if (this.peek().kind === 'ident' && this.isPunct('=', 1)) {
      const name = this.next().text
      this.next()
      return { pos, names: [name], expr: this.parseExpr(0) }
    }
    if (this.isPunct('[') && this.peek(1).kind === 'string' && this.isPunct(']', 2) && this.isPunct('=', 3)) {
      const { name } = this.parseName()
      this.next()
      return { pos, names: [name], expr: this.parseExpr(0) }
    }
    if (this.isPunct('(') && this.peek(1).kind === 'ident' && (this.isPunct(',', 2) || (this.isPunct(')', 2) && this.isPunct('=', 3)))) {
      // (A, B) = arg_max(…)
      const save = this.i
      this.next()
      const names: string[] = []
      while (this.peek().kind === 'ident') {
        names.push(this.next().text)
        if (!this.isPunct(',')) break
        this.next()
      }
      if (this.isPunct(')') && this.isPunct('=', 1)) {
        this.next()
        this.next()
        return { pos, names, expr: this.parseExpr(0) }
      }
      this.i = save
    }
    return { pos, expr: this.parseExpr(0) }
  }

  // ---- scalar expressions: Pratt loop over BINARY_BP ----------------------------------------
  parseExpr(minBp: number): Expr {
    let left = this.parsePrefix()
    for (;;) {
      left = this.parsePostfix(left)
      const t = this.peek()
      if (t.kind !== 'punct' && t.kind !== 'ident') break
      if (t.kind === 'ident' && t.quoted) break
      // search predicates: `Column:"term"` means Column has "term"
      if (this.inSearch && t.kind === 'punct' && t.text === ':' && 30 > minBp) {
        this.next()
        left = { kind: 'binary', pos: left.pos, op: 'has', left, right: this.parseExpr(30) }
        continue
      }
      const op = t.text
      const bp = BINARY_BP[op]
      if (bp === undefined || bp <= minBp) break
      this.next()
      if (op === 'matches') {
        this.expectWord('regex')
        left = { kind: 'binary', pos: left.pos, op: 'matches regex', left, right: this.parseExpr(bp) }
      } else if (LIST_OPS.has(op)) {
        left = { kind: 'in', pos: left.pos, op, left, list: this.parseList(bp) }
      } else if (op === 'between' || op === '!between') {
        this.expectPunct('(')
        const low = this.parseExpr(0)
        this.expectPunct('..')
        const high = this.parseExpr(0)
        this.expectPunct(')')
        left = { kind: 'between', pos: left.pos, negated: op === '!between', left, low, high }
      } else {
        left = { kind: 'binary', pos: left.pos, op: LEGACY_OPS[op] ?? op, left, right: this.parseExpr(bp) }
      }
    }
    return left
  }

  protected parseList(bp: number): Expr[] {
    if (!this.isPunct('(')) return [this.parseExpr(bp)]
    this.next()
    const list: Expr[] = []
    while (!this.isPunct(')')) {
      list.push(this.parsePipeExpr())
      if (!this.isPunct(',')) break
      this.next()
    }
    this.expectPunct(')')
    return list
  }

  protected parsePostfix(left: Expr): Expr {
    for (;;) {
      if (this.isPunct('.') && (this.peek(1).kind === 'ident' || this.isPunct('[', 1))) {
        this.next()
        if (this.isPunct('[')) {
          const { name } = this.parseName()
          left = { kind: 'member', pos: left.pos, target: left, member: name }
          continue
        }
        left = { kind: 'member', pos: left.pos, target: left, member: this.next().text }
      } else if (this.isPunct('[')) {
        this.next()
        const index = this.parseExpr(0)
        this.expectPunct(']')
        left = { kind: 'index', pos: left.pos, target: left, index }
      } else return left
    }
  }

  protected parsePrefix(): Expr {
    const t = this.peek()
    const pos = t.start
    switch (t.kind) {
      case 'string': {
        let s = ''
        while (this.peek().kind === 'string') s += this.next().text
        return { kind: 'literal', pos, type: 'string', value: s }
      }
      case 'long':
        this.next()
        return { kind: 'literal', pos, type: 'long', value: t.value }
      case 'real':
        this.next()
        return { kind: 'literal', pos, type: 'real', value: t.value }
      case 'timespan':
        this.next()
        return { kind: 'literal', pos, type: 'timespan', value: t.value }
      case 'punct':
        if (t.text === '-' || t.text === '+') {
          this.next()
          return { kind: 'unary', pos, op: t.text, operand: this.parseExpr(PREFIX_BP) }
        }
        if (t.text === '(') {
          this.next()
          const inner = this.parsePipeExpr()
          this.expectPunct(')')
          return inner
        }
        if (t.text === '[' && this.peek(1).kind === 'string' && this.isPunct(']', 2)) {
          return { kind: 'name', pos, name: this.parseName().name }
        }
        if (t.text === '*') {
          this.next()
          return { kind: 'star', pos }
        }
        return this.fail(`Unexpected ${this.describe(t)}`)
      case 'ident':
        return this.parseIdentExpr(t)
      default:
        return this.fail(`Unexpected ${this.describe(t)}`)
    }
  }

  protected parseIdentExpr(t: Token): Expr {
    const pos = t.start
    const w = t.text
    const nextIsParen = this.isPunct('(', 1)
    if (w === 'true' || w === 'false') {
      this.next()
      return { kind: 'literal', pos, type: 'bool', value: w === 'true' }
    }
    if (TYPED_LITERALS.has(w) && nextIsParen) return this.parseTypedLiteral()
    const source = this.parseSourceKeyword(t, nextIsParen)
    if (source) return source
    this.next()
    if (nextIsParen) {
      this.next()
      const args: Expr[] = []
      const named: Assignment[] = []
      while (!this.isPunct(')')) {
        // named arguments (bag_unpack(x, columnsConflict='error')) are accepted and ignored
        if (this.peek().kind === 'ident' && this.isPunct('=', 1)) {
          // Named plugin arguments (bag_unpack(x, columnsConflict='error')) are ignored; elsewhere
          // `name = expr` inside a call is accepted by Kusto as the value expression.
          const nameTok = this.next()
          this.next()
          const v = this.parseExpr(0)
          // plugin options (return_unmatched = true) stay out of the positional arguments
          if (!this.inPlugin) args.push(v)
          named.push({ pos: nameTok.start, names: [nameTok.text], expr: v })
        } else args.push(this.parsePipeExpr())
        if (!this.isPunct(',')) break
        this.next()
      }
      this.expectPunct(')')
      return named.length ? { kind: 'call', pos, name: w, args, named } : { kind: 'call', pos, name: w, args }
    }
    return { kind: 'name', pos, name: w }
  }

  protected parseTypedLiteral(): Expr {
    const t = this.next()
    const pos = t.start
    const type = typeFromName(t.text)!
    if (type === 'dynamic') {
      this.expectPunct('(')
      const value = this.parseDynamicValue()
      this.expectPunct(')')
      return { kind: 'literal', pos, type, value }
    }
    const openTok = this.peek()
    const raw = this.skipBalanced()
    if (raw === 'null') return { kind: 'literal', pos, type, value: null }
    // datetime("…") with a quoted, free-form text: Kusto parses it at run time; unparseable → null.
    if (type === 'datetime' && /^(["']).*\1$/.test(raw)) return { kind: 'literal', pos, type, value: parseDatetimeLiteral(raw.slice(1, -1)) ?? null }
    let value: unknown
    switch (type) {
      case 'datetime':
        value = parseDatetimeLiteral(raw)
        break
      case 'timespan':
        value = parseTimespanLiteral(raw)
        break
      case 'guid':
        value = /^[0-9a-fA-F-]{36}$/.test(raw) ? raw.toLowerCase() : undefined
        break
      case 'bool':
        value = raw === 'true' ? true : raw === 'false' ? false : undefined
        break
      default: {
        const n = Number(raw)
        value = Number.isNaN(n) && raw !== 'nan' ? undefined : n
        if (type === 'int' || type === 'long') value = value === undefined ? undefined : Math.trunc(n)
      }
    }
    if (value === undefined || value === null) this.fail(`Invalid ${type} literal '${raw}'`, openTok)
    return { kind: 'literal', pos, type, value }
  }

  /** The JSON-like body of `dynamic(…)`. */
  protected parseDynamicValue(): unknown {
    const t = this.peek()
    if (this.isPunct('[')) {
      this.next()
      const arr: unknown[] = []
      while (!this.isPunct(']')) {
        arr.push(this.parseDynamicValue())
        if (!this.isPunct(',')) break
        this.next()
      }
      this.expectPunct(']')
      return arr
    }
    if (this.isPunct('{')) {
      this.next()
      const obj: Record<string, unknown> = {}
      while (!this.isPunct('}')) {
        const k = this.next()
        if (k.kind !== 'string' && k.kind !== 'ident') this.fail(`Expected a property name but found ${this.describe(k)}`, k)
        this.expectPunct(':')
        obj[k.text] = this.parseDynamicValue()
        if (!this.isPunct(',')) break
        this.next()
      }
      this.expectPunct('}')
      return obj
    }
    if (this.isPunct('-')) {
      this.next()
      const n = this.next()
      if (n.kind !== 'long' && n.kind !== 'real') this.fail('Expected a number', n)
      return -(n.value ?? 0)
    }
    if (t.kind === 'string') return this.next().text
    if (t.kind === 'long' || t.kind === 'real') return this.next().value
    if (t.kind === 'timespan') return this.next().value
    if (t.kind === 'ident') {
      if (t.text === 'null') return this.next() && null
      if (t.text === 'true' || t.text === 'false') return this.next().text === 'true'
      if (TYPED_LITERALS.has(t.text) && this.isPunct('(', 1)) {
        const lit = this.parseTypedLiteral()
        if (lit.kind === 'literal' && lit.type === 'datetime' && typeof lit.value === 'number') return Number.isNaN(new Date(lit.value).getTime()) ? null : new Date(lit.value).toISOString()
        return lit.kind === 'literal' ? lit.value : null
      }
    }
    return this.fail(`Unexpected ${this.describe(t)} in dynamic literal`)
  }
}
