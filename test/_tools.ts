import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

/**
 * The real tools users drive the emulator with (curl, python3) in the documented-sample tests:
 * `run` executes one, `available` tells whether this machine has it, so a missing tool skips the
 * test with a reason instead of failing it.
 */
export const run = promisify(execFile)

export async function available(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args)
    return true
  } catch {
    return false
  }
}
