// Runs the benchmarks (compiled by `npm run build` into dist/bench/). Each prints its own table and
// ratios against a baseline measured in the same run; BENCHMARKS.md records the latest figures.
// `npm run bench` runs all; `npm run bench -- token_cache` runs those whose name contains the word.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'

const dir = 'dist/bench'
if (!existsSync(dir)) {
  console.error('dist/bench not found: run `npm run build` first')
  process.exit(1)
}
const filters = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort()
let failed = 0
for (const f of files) {
  console.log(`\n=== bench/${f.replace(/\.js$/, '.ts')} ===`)
  const r = spawnSync(process.execPath, ['--expose-gc', `${dir}/${f}`], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
