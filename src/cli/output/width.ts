/**
 * Display width of terminal text: what a terminal column count means, not `string.length`.
 * ANSI escapes take no columns, combining marks and zero-width characters none, East Asian Wide
 * and Fullwidth characters and emoji two (Unicode UAX #11, https://www.unicode.org/reports/tr11/).
 * Used by the table renderer and the LiveRegion so nothing they print wraps.
 */

// CSI (colours, cursor moves) and OSC (hyperlinks, titles) sequences.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

/** Columns one code point takes. */
export function charWidth(cp: number): 0 | 1 | 2 {
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) return 0
  // Combining marks, zero-width joiner/space, variation selectors.
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff
  )
    return 0
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2
  return 1
}

/** Columns `text` takes on a terminal (ANSI stripped). */
export function displayWidth(text: string): number {
  let width = 0
  for (const ch of stripAnsi(text)) width += charWidth(ch.codePointAt(0)!)
  return width
}

/**
 * Cuts `text` to at most `width` columns, ending with `…` when something was cut. ANSI sequences
 * are dropped from cut text (a cut colour would bleed into the next line); text that fits is
 * returned unchanged.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return ''
  if (displayWidth(text) <= width) return text
  let out = ''
  let used = 0
  for (const ch of stripAnsi(text)) {
    const w = charWidth(ch.codePointAt(0)!)
    if (used + w > width - 1) break
    out += ch
    used += w
  }
  return `${out}…`
}

/** Pads `text` with spaces to `width` columns (display width, not length). */
export function padEnd(text: string, width: number): string {
  const w = displayWidth(text)
  return w >= width ? text : text + ' '.repeat(width - w)
}
