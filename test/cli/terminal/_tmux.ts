/**
 * A real pseudo-terminal for CLI tests: tmux on a private socket per test (`-S`, so parallel runs
 * never share a server), a fixed size, and `capture-pane` for what the screen shows.
 */
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../_cli.js'

export const hasTmux = spawnSync('sh', ['-c', 'command -v tmux']).status === 0

export class Tmux {
  readonly socket: string
  constructor(readonly cols: number, readonly rows: number) {
    this.socket = join(tempDir('m365d-tmux-'), 's')
  }

  #tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }

  /** Runs `command` (a shell line) in a new session; the pane stays open after it exits. */
  start(command: string, env: Record<string, string> = {}): void {
    const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v}';`).join(' ')
    this.#tmux('new-session', '-d', '-x', String(this.cols), '-y', String(this.rows), `${exports} ${command}; echo '[exited]'; sleep 600`)
    this.#tmux('set-option', '-g', 'history-limit', '5000')
  }

  /**
   * The visible screen, or with `history` everything since the start. `joined` undoes the
   * terminal's wrapping of long lines (`-J`), to read a value a narrow screen split over two rows.
   */
  capture(history = false, joined = false): string {
    return this.#tmux('capture-pane', '-p', '-t', '0', ...(history ? ['-S', '-'] : []), ...(joined ? ['-J'] : []))
  }

  /** The visible screen with its SGR escapes (colours), as the terminal holds them. */
  captureEscapes(): string {
    return this.#tmux('capture-pane', '-p', '-e', '-t', '0')
  }

  /** Types `text` literally, then presses each of `keys` (tmux key names: Tab, Enter, C-c). */
  type(text: string, ...keys: string[]): void {
    if (text) this.#tmux('send-keys', '-t', '0', '-l', text)
    for (const k of keys) this.#tmux('send-keys', '-t', '0', k)
  }

  /** Rows in the pane's scrollback (above the visible screen). */
  historySize(): number {
    return Number(this.#tmux('display-message', '-p', '-t', '0', '#{history_size}').trim())
  }

  resize(cols: number, rows: number): void {
    this.#tmux('resize-window', '-t', '0', '-x', String(cols), '-y', String(rows))
  }

  /** Polls the screen until `pattern` shows (or throws with the screen). */
  async waitFor(pattern: RegExp, timeoutMs = 90_000, history = true): Promise<string> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const screen = this.capture(history)
      if (pattern.test(screen)) return screen
      if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; screen:\n${screen}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server'])
    rmSync(this.socket, { force: true })
  }
}
