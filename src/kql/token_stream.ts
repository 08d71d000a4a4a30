import type { ColumnDecl } from './ast.js'
import { KqlSyntaxError } from './errors.js'
import { tokenize, type Token } from './lexer.js'
import { typeFromName, type ScalarType } from './types.js'

/** Token cursor shared by the scalar and the tabular parser: lookahead, expectations, errors. */
export abstract class TokenStream {
  protected readonly toks: Token[]
  protected i = 0
  constructor(protected readonly text: string) {
    this.toks = tokenize(text)
  }

  // ---- token helpers -------------------------------------------------------------------------
  protected peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!
  }
  protected next(): Token {
    const t = this.peek()
    if (this.i < this.toks.length - 1) this.i++
    return t
  }
  protected isPunct(p: string, k = 0): boolean {
    const t = this.peek(k)
    return t.kind === 'punct' && t.text === p
  }
  protected isWord(w: string, k = 0): boolean {
    const t = this.peek(k)
    return t.kind === 'ident' && !t.quoted && t.text === w
  }
  protected fail(message: string, tok: Token = this.peek()): never {
    throw new KqlSyntaxError(message, this.text, tok.start)
  }
  protected expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(`Expected '${p}' but found ${this.describe(this.peek())}`)
    return this.next()
  }
  protected expectWord(w: string): Token {
    if (!this.isWord(w)) this.fail(`Expected '${w}' but found ${this.describe(this.peek())}`)
    return this.next()
  }
  protected describe(t: Token): string {
    return t.kind === 'eof' ? 'end of query' : `'${this.text.slice(t.start, t.end)}'`
  }
  /** An identifier, or a bracket-quoted one: `['name']`. */
  protected parseName(): { name: string; pos: number } {
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

  protected isNameStartAt(k: number): boolean {
    return this.peek(k).kind === 'ident' || (this.isPunct('[', k) && this.peek(k + 1).kind === 'string')
  }

  protected parseType(): ScalarType {
    const t = this.next()
    const type = t.kind === 'ident' ? typeFromName(t.text) : undefined
    if (type === undefined) this.fail(`Unknown type ${this.describe(t)}`, t)
    return type!
  }

  /** Skips a balanced `( … )` group, returning the raw text inside it. */
  protected skipBalanced(): string {
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

  protected parseColumnDecls(): ColumnDecl[] {
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
}
