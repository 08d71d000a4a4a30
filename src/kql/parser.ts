/**
 * The KQL parser: statements (`let`, functions, the query), tabular sources and the operator
 * `switch`. Scalar expressions come from parse_expr.ts (the Pratt loop and its one binding-power
 * table); token handling from token_stream.ts.
 */
import type { Assignment, Expr, FunctionParam, JoinKey, JoinKind, ParsePart, Query, SortKey, Statement, Tabular, TabularOp } from './ast.js'
import { KqlSyntaxError } from './errors.js'
import type { Token } from './lexer.js'
import { ExprParser, PREFIX_BP } from './parse_expr.js'
import type { ScalarType } from './types.js'

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

class Parser extends ExprParser {
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
        let flags = ''
        while (this.peek().kind === 'ident' && this.isPunct('=', 1) && (this.isWord('kind') || this.isWord('flags'))) {
          if (this.isWord('kind') && !this.isWord('simple', 2) && !this.isWord('regex', 2)) this.fail(`parse kind=${this.peek(2).text} is not supported`, this.peek(2))
          if (this.isWord('kind') && this.isWord('regex', 2)) regex = true
          // flags=Ui (Learn, parse operator: regex flags U, m, s, i)
          if (this.isWord('flags')) flags = this.peek(2).text
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
        return regex ? { op: 'parse', pos, expr, pattern, regex, ...(flags ? { flags } : {}) } : { op: 'parse', pos, expr, pattern }
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
  /** `in (T1, T2, …)` of `search` and `find`; without it, every table (the `*` wildcard). */
  private parseSearchTables(pos: number): Tabular[] {
    if (!this.isWord('in')) return [{ kind: 'source', pos, expr: { kind: 'call', pos, name: '$wildcard', args: [{ kind: 'literal', pos, type: 'string', value: '' }] } }]
    this.next()
    this.expectPunct('(')
    const tables: Tabular[] = []
    while (!this.isPunct(')')) {
      const tpos = this.peek().start
      tables.push(this.tabularOf(this.parseExpr(PREFIX_BP), tpos))
      if (!this.isPunct(',')) break
      this.next()
    }
    this.expectPunct(')')
    return tables
  }

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

  protected parseSourceKeyword(t: Token, nextIsParen: boolean): Expr | undefined {
    const pos = t.start
    const w = t.text
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
      const tables = this.parseSearchTables(pos)
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
      const tables = this.parseSearchTables(pos)
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
    return undefined
  }
}
