/**
 * `m365d completion bash|zsh|fish` loaded the way the help says, in the real interactive shell on a
 * real terminal (tmux), completing what a user types with TAB: commands, subcommands, options,
 * and the values of options that take a list (-o, --status, --cloud).
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { tempDir } from '../_cli.js'
import { hasTmux, Tmux } from './_tmux.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js')
const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0

/** A PATH directory holding an `m365d` that runs this build, as `npm i -g` would install it. */
function binDir(): string {
  const dir = tempDir('m365d-bin-')
  writeFileSync(join(dir, 'm365d'), `#!/bin/sh\nexec '${process.execPath}' '${main}' "$@"\n`)
  chmodSync(join(dir, 'm365d'), 0o755)
  return dir
}

const SHELLS = {
  bash: { start: 'bash --norc --noprofile', load: 'source <(m365d completion bash)' },
  // compinit first, as the help says ("after compinit").
  zsh: { start: 'zsh -f', load: 'autoload -Uz compinit && compinit -u && source <(m365d completion zsh)' },
  fish: { start: 'fish --no-config', load: 'm365d completion fish | source' },
} as const

describe('completion in the real shells (tmux)', { skip: !hasTmux && 'tmux not installed', concurrency: true }, () => {
  for (const [shell, how] of Object.entries(SHELLS)) {
    test(`${shell}: TAB completes commands, subcommands, options and option values`, { skip: !has(shell) && `${shell} not installed`, timeout: 120_000 }, async () => {
      const t = new Tmux(120, 40)
      const home = tempDir('m365d-shell-home-')
      /** Types `line`, presses TAB (twice: bash lists on the second), waits for every word on the screen, clears the line. */
      const tab = async (line: string, ...words: string[]) => {
        const expect = new RegExp(words.map((w) => `(?=[\\s\\S]*(?:^|\\s)${w.replace(/[-]/g, '\\-')}(?:\\s|$))`).join(''), 'm')
        t.type(line, 'Tab')
        await new Promise((r) => setTimeout(r, 400))
        t.type('', 'Tab')
        const screen = await t.waitFor(expect, 20_000, false)
        t.type('', 'C-c')
        t.type('clear', 'Enter')
        await t.waitFor(/^\$ *$/m, 10_000, false)
        return screen
      }
      try {
        t.start(`env -i HOME=${home} PATH=${binDir()}:/usr/bin:/bin TERM=xterm-256color ${how.start}`)
        t.type(`${how.load}; ${shell === 'fish' ? "function fish_prompt; echo '$ '; end" : "PS1='$ '"}; clear`, 'Enter')
        await t.waitFor(/^\$ *$/m, 30_000, false)
        await tab('m365d inc', 'm365d incidents')
        await tab('m365d incidents ', 'comment', 'get', 'list', 'update', '--output')
        await tab('m365d incidents list --sev', 'm365d incidents list --severity')
        await tab('m365d -o ', 'csv', 'json', 'jsonc', 'ndjson', 'table', 'tsv', 'yaml')
        await tab('m365d incidents list --status ', 'Active', 'InProgress', 'Redirected', 'Resolved')
        await tab('m365d token --cloud gcc-', 'm365d token --cloud gcc-high')
        await tab('m365d config get clientSecretF', 'm365d config get clientSecretFile')
        await tab('m365d help incidents ', 'comment', 'get', 'list', 'update')
        await tab('m365d completion ', 'bash', 'fish', 'zsh')
      } finally {
        t.kill()
      }
    })
  }
})
