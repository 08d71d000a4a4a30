import type { Assignment, ColumnDecl, Expr, FunctionParam, JoinKey, JoinKind, ParsePart, Query, SortKey, Statement, Tabular, TabularOp } from './ast.js'
import { KqlSyntaxError } from './errors.js'
import { tokenize, type Token } from './lexer.js'
import { typeFromName, type ScalarType } from './types.js'
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
const PREFIX_BP = 60
/** Deprecated spellings Kusto still accepts. */
const LEGACY_OPS: Record<string, string> = { '<>': '!=', notcontains: '!contains', notcontainscs: '!contains_cs', containscs: 'contains_cs', nothas: '!has', notstartswith: '!startswith', notendswith: '!endswith' }
const LIST_OPS = new Set(['in', '!in', 'in~', '!in~', 'has_any', 'has_all'])
const TYPED_LITERALS = new Set(['datetime', 'date', 'timespan', 'time', 'guid', 'dynamic', 'long', 'int', 'int64', 'int32', 'real', 'double', 'bool', 'boolean', 'decimal'])
const JOIN_KINDS = new Set(['innerunique', 'inner', 'leftouter', 'rightouter', 'fullouter', 'leftanti', 'rightanti', 'leftsemi', 'rightsemi', 'anti', 'semi', 'leftantisemi', 'rightantisemi'])

function searchTerms(e: Expr): Expr {
  if (e.kind === 'literal' && e.type === 'string') return { kind: 'call', pos: e.pos, name: '$search_term', args: [e] }
  if (e.kind === 'binary' && (e.op === 'and' || e.op === 'or')) return { ...e, left: searchTerms(e.left), right: searchTerms(e.right) }
  if (e.kind === 'call' && e.name === 'not' && e.args.length === 1) return { ...e, args: [searchTerms(e.args[0]!)] }
  return e
}

/** Parses a whole KQL query text (let statements + a tabular expression). Throws {@link KqlSyntaxError}. */
export function parse(text: string): Query {
  return new Parser(text).parseProgram()
}

class Parser {
  private readonly toks: Token[]
  private i = 0
  private inPlugin = false
  private inSearch = false

  constructor(private readonly text: string) {
    this.toks = tokenize(text)
  }

  // ---- token helpers -------------------------------------------------------------------------
  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!
  }
  private next(): Token {
    const t = this.peek()
    if (this.i < this.toks.length - 1) this.i++
    return t
  }
  private isPunct(p: string, k = 0): boolean {
    const t = this.peek(k)
    return t.kind === 'punct' && t.text === p
  }
  private isWord(w: string, k = 0): boolean {
    const t = this.peek(k)
    return t.kind === 'ident' && !t.quoted && t.text === w
  }
  private fail(message: string, tok: Token = this.peek()): never {
    throw new KqlSyntaxError(message, this.text, tok.start)
  }
  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(`Expected '${p}' but found ${this.describe(this.peek())}`)
    return this.next()
  }
  private expectWord(w: string): Token {
    if (!this.isWord(w)) this.fail(`Expected '${w}' but found ${this.describe(this.peek())}`)
    return this.next()
  }
  private describe(t: Token): string {
    return t.kind === 'eof' ? 'end of query' : `'${this.text.slice(t.start, t.end)}'`
  }
  /** An identifier, or a bracket-quoted one: `['name']`. */
  private parseName(): { name: string; pos: number } {
    const t = this.peek()
    if (t.kind === 'ident') {
      this.next()
      return { name: t.text, pos: t.start }
    }
    if (this.isPunct('[') && this.peek(1).kind === 'string' && this.isPunct(']', 2)) {
      this.next()
      const s = this.next()
      this.next()
      return { name: s.text, pos: t.start }
    }
    return this.fail(`Expected a name but found ${this.describe(t)}`)
  }

  // ---- statements ----------------------------------------------------------------------------
  parseProgram(): Query {
    const q = this.parseStatements('eof')
    if (this.peek().kind !== 'eof') this.fail(`Unexpected ${this.describe(this.peek())}`)
    if (!q.statements.some((s) => s.kind === 'query')) this.fail('The query has no tabular expression')
    return q
  }

  private parseStatements(end: 'eof' | '}'): Query {
    const statements: Statement[] = []
    for (;;) {
      while (this.isPunct(';')) this.next()
      const t = this.peek()
      if (t.kind === 'eof' || (end === '}' && this.isPunct('}'))) break
      statements.push(this.parseStatement())
      if (!this.isPunct(';')) break
    }
    return { statements }
  }

  private parseStatement(): Statement {
    const t = this.peek()
    if (this.isWord('let') && this.isNameStartAt(1)) {
      this.next()
      const { name } = this.parseName()
      this.expectPunct('=')
      if (this.isWord('view') && this.isPunct('(', 1)) this.next()
      if (this.isPunct('(') && (this.isPunct(')', 1) || (this.peek(1).kind === 'ident' && this.isPunct(':', 2)))) {
        const params = this.parseParams()
        this.expectPunct('{')
        const body = this.parseStatements('}')
        this.expectPunct('}')
        return { kind: 'letfn', pos: t.start, name, params, body }
      }
      return { kind: 'let', pos: t.start, name, value: this.parsePipeExpr() }
    }
    if ((this.isWord('set') || this.isWord('declare') || this.isWord('alias') || this.isWord('restrict')) && this.peek(1).kind === 'ident') {
      while (!this.isPunct(';') && this.peek().kind !== 'eof') this.next()
      return { kind: 'set', pos: t.start }
    }
    return { kind: 'query', pos: t.start, expr: this.parsePipeExpr() }
  }

  private isNameStartAt(k: number): boolean {
    return this.peek(k).kind === 'ident' || (this.isPunct('[', k) && this.peek(k + 1).kind === 'string')
  }

  private parseParams(): FunctionParam[] {
    this.expectPunct('(')
    const params: FunctionParam[] = []
    while (!this.isPunct(')')) {
      const { name } = this.parseName()
      this.expectPunct(':')
      let type: ScalarType | null
      if (this.isPunct('(')) {
        this.skipBalanced()
        type = null
      } else {
        type = this.parseType()
      }
      let defaultValue: Expr | undefined
      if (this.isPunct('=')) {
        this.next()
        defaultValue = this.parseExpr(0)
      }
      params.push(defaultValue === undefined ? { name, type } : { name, type, defaultValue })
      if (!this.isPunct(',')) break
      this.next()
    }
    this.expectPunct(')')
    return params
  }

  private parseType(): ScalarType {
    const t = this.next()
    const type = t.kind === 'ident' ? typeFromName(t.text) : undefined
    if (type === undefined) this.fail(`Unknown type ${this.describe(t)}`, t)
    return type!
  }

  /** Skips a balanced `( … )` group, returning the raw text inside it. */
  private skipBalanced(): string {
    const open = this.expectPunct('(')
    let depth = 1
    for (;;) {
      const t = this.next()
      if (t.kind === 'eof') this.fail("Expected ')' but found end of query", t)
      if (t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) depth++
      if (t.kind === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}')) depth--
      if (depth === 0) return this.text.slice(open.end, t.start).trim()
    }
  }

  // ---- tabular expressions -------------------------------------------------------------------
  /** An expression optionally followed by `| operator …`: a tabular pipeline or a plain scalar. */
  parsePipeExpr(): Expr {
    const pos = this.peek().start
    const head = this.parseExpr(0)
    if (!this.isPunct('|')) return head
    let tab: Tabular = head.kind === 'tabular' ? head.query : { kind: 'source', pos, expr: head }
    while (this.isPunct('|')) {
      this.next()
      tab = { kind: 'pipe', pos, input: tab, op: this.parseOperator() }
    }
    return { kind: 'tabular', pos, query: tab }
  }

  private tabularOf(e: Expr, pos: number): Tabular {
    return e.kind === 'tabular' ? e.query : { kind: 'source', pos, expr: e }
  }

  private parseOperator(): TabularOp {
    const t = this.peek()
    if (t.kind !== 'ident') this.fail(`Expected a tabular operator but found ${this.describe(t)}`)
    this.next()
    const pos = t.start
    switch (t.text) {
      case 'where':
      case 'filter':
        return { op: 'where', pos, predicate: this.parseExpr(0) }
      case 'extend':
        return { op: 'extend', pos, items: this.parseAssignments() }
      case 'project':
        return { op: 'project', pos, items: this.parseAssignments() }
      case 'project-away':
      case 'project-keep':
        return { op: t.text, pos, columns: this.parsePatterns().map(({ pos: p, pattern }) => ({ pos: p, pattern })) }
      case 'project-reorder':
        return { op: 'project-reorder', pos, columns: this.parsePatterns() }
      case 'project-rename': {
        const pairs: { pos: number; to: string; from: string }[] = []
        do {
          if (this.isPunct(',')) this.next()
          const to = this.parseName()
          this.expectPunct('=')
          const from = this.parseName()
          pairs.push({ pos: to.pos, to: to.name, from: from.name })
        } while (this.isPunct(','))
        return { op: 'project-rename', pos, pairs }
      }
      case 'summarize': {
        this.skipHints()
        const aggs = this.isWord('by') ? [] : this.parseAssignments()
        let by: Assignment[] = []
        if (this.isWord('by')) {
          this.next()
          by = this.parseAssignments()
        }
        return { op: 'summarize', pos, aggs, by }
      }
      case 'join':
      case 'lookup': {
        let kind = t.text === 'join' ? 'innerunique' : 'leftouter'
        for (;;) {
          if (this.isWord('kind') && this.isPunct('=', 1)) {
            this.next()
            this.next()
            const k = this.next()
            if (!JOIN_KINDS.has(k.text)) this.fail(`Unknown join kind ${this.describe(k)}`, k)
            kind = k.text === 'anti' || k.text === 'leftantisemi' ? 'leftanti' : k.text === 'semi' ? 'leftsemi' : k.text === 'rightantisemi' ? 'rightanti' : k.text
          } else if (this.peek().kind === 'ident' && this.peek().text.startsWith('hint') && this.isPunct('.', 1)) {
            this.skipHint()
          } else if ((this.isWord('withsource') || this.isWord('isfuzzy')) && this.isPunct('=', 1)) {
            this.next(); this.next(); this.next()
          } else break
        }
        const rpos = this.peek().start
        const right = this.tabularOf(this.parseExpr(PREFIX_BP), rpos)
        let on: JoinKey[] = []
        if (this.isWord('on')) {
          this.next()
          on = this.parseJoinKeys()
        } else if (this.isWord('where')) {
          this.fail("join 'where' conditions are not supported; use 'on'")
        }
        if (t.text === 'lookup') {
          if (kind !== 'leftouter' && kind !== 'inner') this.fail(`lookup supports kind=leftouter or kind=inner`, t)
          return { op: 'lookup', pos, kind: kind as 'leftouter' | 'inner', right, on }
        }
        return { op: 'join', pos, kind: kind as JoinKind, right, on }
      }
      case 'sort':
      case 'order': {
        this.expectWord('by')
        const keys: SortKey[] = []
        do {
          if (this.isPunct(',')) this.next()
          keys.push(this.parseSortKey())
        } while (this.isPunct(','))
        return { op: 'sort', pos, keys }
      }
      case 'top': {
        const count = this.parseExpr(0)
        this.expectWord('by')
        return { op: 'top', pos, count, key: this.parseSortKey() }
      }
      case 'take':
      case 'limit':
      case 'sample':
        return { op: 'take', pos, count: this.parseExpr(0) }
      case 'distinct':
        if (this.isPunct('*')) {
          this.next()
          return { op: 'distinct', pos, items: [] }
        }
        return { op: 'distinct', pos, items: this.parseAssignments() }
      case 'count':
        return { op: 'count', pos }
      case 'getschema':
        return { op: 'getschema', pos }
      case 'search': {
        if (this.isWord('kind') && this.isPunct('=', 1)) { this.next(); this.next(); this.next() }
        return { op: 'search', pos, predicate: this.parseSearchPredicate() }
      }
      case 'partition': {
        this.skipHints()
        this.expectWord('by')
        const by = this.parseName().name
        this.skipHints()
        this.expectPunct('(')
        const bpos = this.peek().start
        let body: Tabular = { kind: 'source', pos: bpos, expr: { kind: 'name', pos: bpos, name: '$partition' } }
        do {
          if (this.isPunct('|')) this.next()
          body = { kind: 'pipe', pos: bpos, input: body, op: this.parseOperator() }
        } while (this.isPunct('|'))
        this.expectPunct(')')
        return { op: 'partition', pos, by, body }
      }
      case 'top-nested': {
        const levels: { count: Expr; of: Assignment; by: Assignment; desc: boolean }[] = []
        for (;;) {
          const count = this.parseExpr(0)
          this.expectWord('of')
          const of = this.parseAssignment()
          if (this.isWord('with')) this.fail("top-nested 'with others' is not supported")
          this.expectWord('by')
          const by = this.parseAssignment()
          let desc = true
          if (this.isWord('asc') || this.isWord('desc')) desc = this.next().text === 'desc'
          levels.push({ count, of, by, desc })
          if (!(this.isPunct(',') && this.isWord('top-nested', 1))) break
          this.next()
          this.next()
        }
        return { op: 'top-nested', pos, levels }
      }
      case 'union': {
        const u = this.parseUnionBody(pos)
        return { op: 'union', pos, tables: u.tables, outer: u.outer, ...(u.withSource === undefined ? {} : { withSource: u.withSource }) }
      }
      case 'mv-expand':
      case 'mvexpand':
      case 'mv-apply': {
        let itemIndex: string | undefined
        while (this.peek().kind === 'ident' && this.isPunct('=', 1) && ['bagexpansion', 'with_itemindex', 'kind', 'itemindex'].includes(this.peek().text)) {
          const opt = this.next().text
          this.next()
          const v = this.next().text
          if (opt === 'with_itemindex') itemIndex = v
        }
        const items: { item: Assignment; to?: ScalarType }[] = []
        do {
          if (this.isPunct(',')) this.next()
          const item = this.parseAssignment()
          if (this.isWord('to') && this.isWord('typeof', 1)) {
            this.next()
            this.next()
            this.expectPunct('(')
            const to = this.parseType()
            this.expectPunct(')')
            items.push({ item, to })
          } else items.push({ item })
        } while (this.isPunct(','))
        if (t.text === 'mv-apply') {
          if (this.isWord('limit')) {
            this.next()
            this.parseExpr(0)
          }
          this.expectWord('on')
          this.expectPunct('(')
          const bpos = this.peek().start
          let body: Tabular = { kind: 'source', pos: bpos, expr: { kind: 'name', pos: bpos, name: '$mvapply' } }
          do {
            if (this.isPunct('|')) this.next()
            body = { kind: 'pipe', pos: bpos, input: body, op: this.parseOperator() }
          } while (this.isPunct('|'))
          this.expectPunct(')')
          return { op: 'mv-apply', pos, items, body }
        }
        const extra = itemIndex === undefined ? {} : { itemIndex }
        if (this.isWord('limit')) {
          this.next()
          return { op: 'mv-expand', pos, items, limit: this.parseExpr(0), ...extra }
        }
        return { op: 'mv-expand', pos, items, ...extra }
      }
      case 'parse':
      case 'parse-where': {
        let regex = false
        while (this.peek().kind === 'ident' && this.isPunct('=', 1) && (this.isWord('kind') || this.isWord('flags'))) {
          if (this.isWord('kind') && !this.isWord('simple', 2) && !this.isWord('regex', 2)) this.fail(`parse kind=${this.peek(2).text} is not supported`, this.peek(2))
          if (this.isWord('kind') && this.isWord('regex', 2)) regex = true
          this.next(); this.next(); this.next()
        }
        const expr = this.parseExpr(PREFIX_BP)
        this.expectWord('with')
        const pattern: ParsePart[] = []
        while (!this.isPunct('|') && !this.isPunct(';') && !this.isPunct(')') && this.peek().kind !== 'eof') {
          const p = this.peek()
          if (p.kind === 'string') {
            pattern.push({ kind: 'text', text: this.next().text })
          } else if (this.isPunct('*')) {
            this.next()
            pattern.push({ kind: 'star' })
          } else {
            const n = this.parseName()
            let type: ScalarType = 'string'
            if (this.isPunct(':')) {
              this.next()
              type = this.parseType()
            }
            pattern.push({ kind: 'column', name: n.name, type, pos: n.pos })
          }
        }
        return regex ? { op: 'parse', pos, expr, pattern, regex } : { op: 'parse', pos, expr, pattern }
      }
      case 'as': {
        this.skipHints()
        return { op: 'as', pos, name: this.parseName().name }
      }
      case 'render': {
        let depth = 0
        while (this.peek().kind !== 'eof') {
          if (depth === 0 && (this.isPunct('|') || this.isPunct(';') || this.isPunct(')') || this.isPunct('}'))) break
          const n = this.next()
          if (n.text === '(' && n.kind === 'punct') depth++
          if (n.text === ')' && n.kind === 'punct') depth--
        }
        return { op: 'render', pos }
      }
      case 'serialize':
        return { op: 'serialize', pos, items: this.isPunct('|') || this.peek().kind === 'eof' || this.isPunct(';') || this.isPunct(')') ? [] : this.parseAssignments() }
      case 'evaluate':
      case 'invoke': {
        this.skipHints()
        this.inPlugin = t.text === 'evaluate'
        const call = this.parseExpr(PREFIX_BP)
        this.inPlugin = false
        if (call.kind !== 'call') this.fail(`Expected a function call after '${t.text}'`, t)
        // evaluate plugin(…) : (Col:type, …) declares the output schema
        if (t.text === 'evaluate' && this.isPunct(':')) {
          this.next()
          return { op: 'evaluate', pos, call: call as Expr & { kind: 'call' }, schema: this.parseColumnDecls() }
        }
        return { op: t.text, pos, call: call as Expr & { kind: 'call' } }
      }
      case 'make-series': {
        this.skipHints()
        const aggs: { item: Assignment; fill?: Expr }[] = []
        do {
          if (this.isPunct(',')) this.next()
          const item = this.parseAssignment()
          if (this.isWord('default') && this.isPunct('=', 1)) {
            this.next()
            this.next()
            aggs.push({ item, fill: this.parseExpr(0) })
          } else aggs.push({ item })
        } while (this.isPunct(','))
        this.expectWord('on')
        const on = this.parseExpr(0)
        let from: Expr | undefined
        let to: Expr | undefined
        let step: Expr | undefined
        if (this.isWord('in') && this.isWord('range', 1)) {
          this.next()
          this.next()
          this.expectPunct('(')
          from = this.parseExpr(0)
          this.expectPunct(',')
          to = this.parseExpr(0)
          this.expectPunct(',')
          step = this.parseExpr(0)
          this.expectPunct(')')
        } else {
          if (this.isWord('from')) { this.next(); from = this.parseExpr(0) }
          if (this.isWord('to')) { this.next(); to = this.parseExpr(0) }
          this.expectWord('step')
          step = this.parseExpr(0)
        }
        let by: Assignment[] = []
        if (this.isWord('by')) {
          this.next()
          by = this.parseAssignments()
        }
        return { op: 'make-series', pos, aggs, on, step: step!, by, ...(from ? { from } : {}), ...(to ? { to } : {}) }
      }
      default:
        return this.fail(`Unknown tabular operator '${t.text}'`, t)
    }
  }

  /** A search predicate: bare string literals mean "some column has this term". */
  private parseSearchPredicate(): Expr {
    this.inSearch = true
    try {
      return searchTerms(this.parseExpr(0))
    } finally {
      this.inSearch = false
    }
  }

  private skipHint(): void {
    // hint.strategy=shuffle, hint.shufflekey=X, hint.materialized=true, hint.remote=auto …
    this.next()
    this.expectPunct('.')
    this.next()
    this.expectPunct('=')
    this.next()
  }
  private skipHints(): void {
    while (this.peek().kind === 'ident' && this.peek().text.startsWith('hint') && this.isPunct('.', 1)) this.skipHint()
  }

  private parseUnionBody(pos: number): { tables: Tabular[]; outer: boolean; withSource?: string } {
    let outer = true
    let withSource: string | undefined
    for (;;) {
      if (this.isWord('kind') && this.isPunct('=', 1)) {
        this.next(); this.next()
        outer = this.next().text !== 'inner'
      } else if (this.isWord('withsource') && this.isPunct('=', 1)) {
        this.next(); this.next()
        withSource = this.parseName().name
      } else if (this.isWord('isfuzzy') && this.isPunct('=', 1)) {
        this.next(); this.next(); this.next()
      } else if (this.peek().kind === 'ident' && this.peek().text.startsWith('hint') && this.isPunct('.', 1)) {
        this.skipHint()
      } else break
    }
    const tables: Tabular[] = []
    do {
      if (this.isPunct(',')) this.next()
      const tpos = this.peek().start
      if (this.peek().kind === 'ident' && this.isPunct('*', 1) && this.peek(1).start === this.peek().end) {
        // Table wildcard: union Device*
        const prefix = this.next().text
        this.next()
        tables.push({ kind: 'source', pos: tpos, expr: { kind: 'call', pos: tpos, name: '$wildcard', args: [{ kind: 'literal', pos: tpos, type: 'string', value: prefix }] } })
        continue
      }
      tables.push(this.tabularOf(this.parseExpr(PREFIX_BP), tpos))
    } while (this.isPunct(','))
    void pos
    return withSource === undefined ? { tables, outer } : { tables, outer, withSource }
  }

  private parseJoinKeys(): JoinKey[] {
    const keys: JoinKey[] = []
    const parens = this.isPunct('(')
    if (parens) this.next()
    do {
      if (this.isPunct(',') || this.isWord('and')) this.next()
      const p = this.peek().start
      const a = this.parseJoinSide()
      if (this.isPunct('==')) {
        this.next()
        const b = this.parseJoinSide()
        if (a.side === b.side || a.side === undefined || b.side === undefined) this.fail('Join condition must compare $left.X with $right.Y')
        keys.push(a.side === 'left' ? { pos: p, left: a.name, right: b.name } : { pos: p, left: b.name, right: a.name })
      } else {
        if (a.side !== undefined) this.fail("Expected '==' after a $left/$right column")
        keys.push({ pos: p, left: a.name, right: a.name })
      }
    } while (this.isPunct(',') || this.isWord('and'))
    if (parens) this.expectPunct(')')
    return keys
  }

  private parseJoinSide(): { side?: 'left' | 'right'; name: string } {
    if (this.isWord('$left') || this.isWord('$right')) {
      const side = this.next().text === '$left' ? 'left' : 'right'
      if (this.isPunct('.')) {
        this.next()
        return { side, name: this.parseName().name }
      }
      this.expectPunct('[')
      const s = this.next()
      this.expectPunct(']')
      return { side, name: s.text }
    }
    return { name: this.parseName().name }
  }

  private parseSortKey(): SortKey {
    const expr = this.parseExpr(0)
    let desc = true
    if (this.isWord('asc')) {
      this.next()
      desc = false
    } else if (this.isWord('desc')) this.next()
    let nullsFirst: boolean | undefined
    if (this.isWord('nulls')) {
      this.next()
      nullsFirst = this.next().text === 'first'
    }
    return nullsFirst === undefined ? { expr, desc } : { expr, desc, nullsFirst }
  }

  /** Column name patterns with `*` wildcards (project-away, project-reorder). */
  private parsePatterns(): { pos: number; pattern: string; desc?: boolean }[] {
    const out: { pos: number; pattern: string; desc?: boolean }[] = []
    do {
      if (this.isPunct(',')) this.next()
      const start = this.peek()
      let pattern = ''
      let last = -1
      while ((this.peek().kind === 'ident' || this.isPunct('*') || (this.isPunct('[') && this.peek(1).kind === 'string')) && (last < 0 || this.peek().start === last)) {
        if (this.isPunct('[')) {
          const n = this.parseName()
          pattern += n.name
          last = this.toks[this.i - 1]!.end
          continue
        }
        const t = this.next()
        pattern += t.text
        last = t.end
      }
      if (pattern === '') this.fail(`Expected a column name but found ${this.describe(this.peek())}`)
      let desc: boolean | undefined
      if (this.isWord('asc') || this.isWord('desc')) desc = this.next().text === 'desc'
      out.push(desc === undefined ? { pos: start.start, pattern } : { pos: start.start, pattern, desc })
    } while (this.isPunct(','))
    return out
  }

  private parseAssignments(): Assignment[] {
    const items: Assignment[] = []
    do {
      if (this.isPunct(',')) this.next()
      items.push(this.parseAssignment())
    } while (this.isPunct(','))
    return items
  }

  private parseAssignment(): Assignment {
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

  private parseList(bp: number): Expr[] {
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

  private parsePostfix(left: Expr): Expr {
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

  private parsePrefix(): Expr {
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

  private parseIdentExpr(t: Token): Expr {
    const pos = t.start
    const w = t.text
    const nextIsParen = this.isPunct('(', 1)
    if (w === 'true' || w === 'false') {
      this.next()
      return { kind: 'literal', pos, type: 'bool', value: w === 'true' }
    }
    if (TYPED_LITERALS.has(w) && nextIsParen) return this.parseTypedLiteral()
    if ((w === 'datatable' || w === 'externaldata' || w === 'external_data') && (nextIsParen || this.isPunct('[', 1))) {
      return { kind: 'tabular', pos, query: this.parseDataTable() }
    }
    if (w === 'union' && !nextIsParen) {
      this.next()
      const u = this.parseUnionBody(pos)
      return { kind: 'tabular', pos, query: { kind: 'union', pos, tables: u.tables, outer: u.outer, ...(u.withSource === undefined ? {} : { withSource: u.withSource }) } }
    }
    if (w === 'union' && nextIsParen) {
      this.next()
      const u = this.parseUnionBody(pos)
      return { kind: 'tabular', pos, query: { kind: 'union', pos, tables: u.tables, outer: u.outer } }
    }
    if (w === 'range' && this.peek(1).kind === 'ident' && this.isWord('from', 2)) {
      this.next()
      const column = this.next().text
      this.expectWord('from')
      const from = this.parseExpr(0)
      this.expectWord('to')
      const to = this.parseExpr(0)
      this.expectWord('step')
      const step = this.parseExpr(0)
      return { kind: 'tabular', pos, query: { kind: 'range', pos, column, from, to, step } }
    }
    if (w === 'search' && (this.isWord('in', 1) || this.isWord('kind', 1) || this.peek(1).kind === 'string')) {
      // search [kind=…] in (T1, T2) Predicate  ≡  union withsource=$table T1, T2 | where Predicate
      this.next()
      if (this.isWord('kind') && this.isPunct('=', 1)) { this.next(); this.next(); this.next() }
      const tables: Tabular[] = []
      if (this.isWord('in')) {
        this.next()
        this.expectPunct('(')
        while (!this.isPunct(')')) {
          const tpos = this.peek().start
          tables.push(this.tabularOf(this.parseExpr(PREFIX_BP), tpos))
          if (!this.isPunct(',')) break
          this.next()
        }
        this.expectPunct(')')
      } else {
        tables.push({ kind: 'source', pos, expr: { kind: 'call', pos, name: '$wildcard', args: [{ kind: 'literal', pos, type: 'string', value: '' }] } })
      }
      const union: Tabular = { kind: 'union', pos, tables, outer: true, withSource: '$table' }
      return { kind: 'tabular', pos, query: { kind: 'pipe', pos, input: union, op: { op: 'where', pos, predicate: this.parseSearchPredicate() } } }
    }
    if (w === 'find' && (this.isWord('in', 1) || this.isWord('withsource', 1) || this.isWord('where', 1))) {
      // find [withsource=N] [in (T1, …)] where P [project C1, … | project-smart]
      this.next()
      let withSource: string | undefined
      if (this.isWord('withsource') && this.isPunct('=', 1)) {
        this.next()
        this.next()
        withSource = this.parseName().name
      }
      const tables: Tabular[] = []
      if (this.isWord('in')) {
        this.next()
        this.expectPunct('(')
        while (!this.isPunct(')')) {
          const tpos = this.peek().start
          tables.push(this.tabularOf(this.parseExpr(PREFIX_BP), tpos))
          if (!this.isPunct(',')) break
          this.next()
        }
        this.expectPunct(')')
      } else tables.push({ kind: 'source', pos, expr: { kind: 'call', pos, name: '$wildcard', args: [{ kind: 'literal', pos, type: 'string', value: '' }] } })
      this.expectWord('where')
      const predicate = this.parseExpr(0)
      let project: { pos: number; name: string }[] | undefined
      if (this.isWord('project-smart')) this.next()
      else if (this.isWord('project')) {
        this.next()
        project = []
        do {
          if (this.isPunct(',')) this.next()
          const n = this.parseName()
          project.push({ pos: n.pos, name: n.name })
        } while (this.isPunct(','))
      }
      const find: Tabular = { kind: 'find', pos, tables, predicate, ...(withSource === undefined ? {} : { withSource }), ...(project ? { project } : {}) }
      return { kind: 'tabular', pos, query: find }
    }
    if (w === 'print' && !nextIsParen) {
      this.next()
      return { kind: 'tabular', pos, query: { kind: 'print', pos, items: this.parseAssignments() } }
    }
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

  private parseTypedLiteral(): Expr {
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
  private parseDynamicValue(): unknown {
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
        if (lit.kind === 'literal' && lit.type === 'datetime' && typeof lit.value === 'number') return new Date(lit.value).toISOString()
        return lit.kind === 'literal' ? lit.value : null
      }
    }
    return this.fail(`Unexpected ${this.describe(t)} in dynamic literal`)
  }

  private parseColumnDecls(): ColumnDecl[] {
    this.expectPunct('(')
    const cols: ColumnDecl[] = []
    while (!this.isPunct(')')) {
      const { name } = this.parseName()
      this.expectPunct(':')
      cols.push({ name, type: this.parseType() })
      if (!this.isPunct(',')) break
      this.next()
    }
    this.expectPunct(')')
    return cols
  }

  private parseDataTable(): Tabular {
    const t = this.next()
    const pos = t.start
    const columns = this.parseColumnDecls()
    this.expectPunct('[')
    const values: Expr[] = []
    while (!this.isPunct(']')) {
      values.push(this.parseExpr(0))
      if (!this.isPunct(',')) break
      this.next()
    }
    this.expectPunct(']')
    if (t.text === 'datatable') return { kind: 'datatable', pos, columns, values }
    const uris: string[] = []
    for (const v of values) {
      if (v.kind !== 'literal' || typeof v.value !== 'string') this.fail('externaldata expects string URIs', t)
      uris.push(v.value as string)
    }
    const options: Record<string, unknown> = {}
    if (this.isWord('with')) {
      this.next()
      this.expectPunct('(')
      while (!this.isPunct(')')) {
        const k = this.next().text
        this.expectPunct('=')
        const v = this.parseExpr(0)
        options[k] = v.kind === 'literal' ? v.value : v.kind === 'name' ? v.name : null
        if (!this.isPunct(',')) break
        this.next()
      }
      this.expectPunct(')')
    }
    return { kind: 'externaldata', pos, columns, uris, options }
  }
}
