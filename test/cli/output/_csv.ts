/** A strict RFC 4180 reader for tests (https://www.rfc-editor.org/rfc/rfc4180#section-2): what a spreadsheet or csv module sees. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c !== '"') field += c
      else if (text[i + 1] === '"') field += text[++i]
      else quoted = false
    } else if (c === '"') {
      if (field !== '') throw new Error(`a quote inside an unquoted field at ${i}: ${text.slice(Math.max(0, i - 20), i + 20)}`)
      quoted = true
    } else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (quoted) throw new Error('an unterminated quoted field')
  if (field !== '' || row.length > 0) rows.push([...row, field])
  return rows
}
