/**
 * The one progress/redraw helper: a block of lines at the bottom of a terminal that is redrawn in
 * place (the `npm start` summary, the sync backfill bar, step spinners).
 *
 * Redrawing in place is cursor arithmetic: move up as many rows as the last frame took, erase to
 * the end of the screen, write the new frame. That breaks when a line wraps (it takes two rows but
 * was counted as one), so every line is cut to the terminal's real width minus one column, with an
 * ellipsis, counting display width (ANSI stripped, wide characters as two). A frame is never taller
 * than the screen (rows that scrolled away cannot be reached with cursor-up). On resize (SIGWINCH,
 * surfaced by Node as the stream's 'resize' event) the previous frame's rows are recounted at the
 * new width before moving up, since the terminal may have re-wrapped them.
 *
 * What no redraw can undo: a terminal that re-wraps on a narrowing resize (tmux, VTE, iTerm2,
 * Windows Terminal) keeps the cursor on its row and moves the rows the re-wrap added above it into
 * the scrollback (measured with tmux 3.3a: a 200-column frame of 18 lines shrunk to 80 columns
 * raised `#{history_size}` from 0 to 8 with `#{cursor_y}` unchanged). When the frame is one of those
 * rows, its top stays in the scrollback once; the screen itself shows one frame, and redraws after
 * the resize add nothing to the scrollback (test/cli/terminal/resize_and_sync.test.ts). The only
 * sequence that reaches the scrollback, ESC[3J, erases the user's whole history, so it is not used.
 *
 * Anything else written to the same terminal must go through {@link LiveRegion.log}, which erases
 * the frame, writes the text, and draws the frame again below it: log lines never mix with it.
 */
import { displayWidth, truncate } from './width.js'

export interface TerminalStream {
  write(chunk: string): unknown
  isTTY?: boolean
  columns?: number
  rows?: number
  on?(event: 'resize', listener: () => void): unknown
  off?(event: 'resize', listener: () => void): unknown
}

const ESC = '\u001b['

/** Rows `lines` take on a terminal `cols` wide. */
function rowsOf(lines: readonly string[], cols: number): number {
  return lines.reduce((sum, l) => sum + Math.max(1, Math.ceil(displayWidth(l) / cols)), 0)
}

export class LiveRegion {
  /** Lines of the frame on screen, as written (already cut). */
  #drawn: string[] = []
  /** Width the frame was drawn at. */
  #drawnWidth: number
  #lines: string[] = []
  #closed = false
  readonly #onResize = () => this.#resized()

  constructor(private readonly stream: TerminalStream) {
    this.#drawnWidth = this.width
    stream.on?.('resize', this.#onResize)
  }

  /** Usable columns: the terminal's width minus one, so no line ever reaches the wrap column. */
  get width(): number {
    const cols = this.stream.columns
    return Math.max(10, (cols && cols > 0 ? cols : 80) - 1)
  }

  get #maxLines(): number {
    const rows = this.stream.rows
    return Math.max(1, (rows && rows > 0 ? rows : 24) - 1)
  }

  /** Replaces the frame and redraws it (nothing is written when it did not change). */
  set(lines: string[]): void {
    if (this.#closed) return
    this.#refreshSize()
    this.#lines = lines
    this.#render(false)
  }

  /** Writes `text` (whole lines) above the frame, then redraws the frame. */
  log(text: string): void {
    if (this.#closed) return void this.stream.write(text)
    this.#refreshSize()
    this.stream.write(this.#erase() + text)
    this.#drawn = []
    this.#render(true)
  }

  /** Erases the frame and stops (the screen keeps what was logged above it). */
  clear(): void {
    if (this.#closed) return
    this.stream.write(this.#erase())
    this.#drawn = []
    this.#stop()
  }

  /** Leaves the last frame on screen as ordinary output and stops. */
  done(): void {
    if (this.#closed) return
    this.#render(true)
    this.#stop()
  }

  #stop(): void {
    this.#closed = true
    this.stream.off?.('resize', this.#onResize)
  }

  #frame(): string[] {
    const width = this.width
    const lines = this.#lines.flatMap((l) => l.split('\n')).map((l) => truncate(l, width))
    const max = this.#maxLines
    return lines.length > max ? [...lines.slice(0, max - 1), truncate(`… ${lines.length - max + 1} more lines`, width)] : lines
  }

  #render(force: boolean): void {
    const frame = this.#frame()
    if (!force && frame.length === this.#drawn.length && frame.every((l, i) => l === this.#drawn[i]) && this.#drawnWidth === this.width) return
    this.stream.write(this.#erase() + frame.map((l) => `${l}\n`).join(''))
    this.#drawn = frame
    this.#drawnWidth = this.width
  }

  /**
   * Cursor back to the frame's first row, erasing the frame's rows one by one on the way up. Not
   * "cursor up N, erase to the end of the screen": when the frame starts at the top-left corner
   * (which it does once a shrinking terminal pushed everything above it off screen), tmux ≥ 3.3
   * (`scroll-on-clear`, on by default) and other terminals take that erase for a screen clear and
   * push the old frame into the scrollback, a stacked copy per redraw (issue 11 §1).
   */
  #erase(): string {
    if (this.#drawn.length === 0) return ''
    // Rows the frame takes now: one per line, more if the terminal narrowed and re-wrapped it.
    const rows = rowsOf(this.#drawn, this.width + 1)
    return `\r${`${ESC}1A${ESC}2K`.repeat(Math.min(rows, this.#maxLines + 1))}`
  }

  /**
   * Reads the terminal's size now (the TIOCGWINSZ ioctl behind Node's own SIGWINCH handler,
   * tty.WriteStream#_refreshSize in lib/tty.js, which emits 'resize' when it changed) instead of
   * trusting the size the last SIGWINCH left. The terminal re-wraps the screen when it is resized,
   * but a busy process (PGlite running a sync on the same thread) handles the signal later: a
   * redraw in between would count the rows of the last frame at the old width, move up too few,
   * and leave the top of that frame on screen (issue 11 §1, caught by test/cli/terminal).
   */
  #refreshSize(): void {
    const s = this.stream as TerminalStream & { _refreshSize?: () => void; _handle?: unknown }
    if (!s.isTTY || typeof s._refreshSize !== 'function' || !s._handle) return
    try {
      s._refreshSize()
    } catch {
      // Keep the last known size; the next SIGWINCH corrects it.
    }
  }

  #resized(): void {
    if (this.#closed) return
    const frame = this.#frame()
    this.stream.write(this.#erase() + frame.map((l) => `${l}\n`).join(''))
    this.#drawn = frame
    this.#drawnWidth = this.width
  }
}

/** Spinner frames (the braille dots most CLIs use); ASCII when the locale cannot show them. */
export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
