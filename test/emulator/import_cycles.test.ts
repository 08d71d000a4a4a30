/**
 * The emulator's modules form a layered graph (issue 10 §7): routes reach the context through
 * src/emulator/context.ts, never back through app.ts. This walks every `import`/`export … from`
 * under src/emulator — type-only imports included, because a type cycle is a layering cycle
 * too — and fails with the cycle's path.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
// Compiled to dist/test/emulator: the sources are three levels up.
const root = resolve(here, '..', '..', '..', 'src', 'emulator')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : name.endsWith('.ts') ? [p] : []
  })
}

const SPECIFIER = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(SPECIFIER)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))).filter((p) => p.startsWith(root + '/'))
}

/** A cycle as a list of files (first = last), or undefined. Depth-first with colours. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return undefined
}

test('the detector finds a planted cycle', () => {
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])
  assert.deepEqual(findCycle(g), ['a', 'b', 'c', 'a'])
  assert.equal(findCycle(new Map([['a', ['b']], ['b', []]])), undefined)
})

test('src/emulator has no import cycle (type imports included)', () => {
  const all = files(root)
  assert.ok(all.length > 30, `expected the emulator sources under ${root}`)
  const graph = new Map(all.map((f) => [f, imports(f)]))
  const cycle = findCycle(graph)
  assert.equal(cycle && cycle.map((f) => relative(root, f)).join(' → '), undefined)
})
