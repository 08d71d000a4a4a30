// Runs every compiled test file (dist/test/**/*.test.js) with node's built-in test runner.
// Node 20's `--test` takes no globs, so the files are listed here. Extra args pass through
// (e.g. `node scripts/run-tests.mjs dist/test/auth`). Tests are mostly I/O-bound, hence the
// concurrency above the core count.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function find(dir) {
  let out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out = out.concat(find(p))
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out
}

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['dist/test']
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? find(r) : [r])).sort()
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '))
  process.exit(1)
}
const concurrency = process.env.M365D_TEST_CONCURRENCY ?? '4'
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
