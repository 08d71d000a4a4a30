import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { SINK_NAME, SinkError, type Sink, type SinkRecord } from './sink.js'

export interface NdjsonSinkOptions {
  dir: string
  /** Start a new file once the current one reaches this size (default 64 MiB). */
  maxBytes?: number
  /** …or is this old (default 1 hour). */
  maxAgeMs?: number
  /** Sink name in the outbox (default `ndjson`). */
  name?: string
  /** For age-based rotation under a controlled clock (default Date.now). */
  now?: () => number
}

/**
 * One JSON document per line (a {@link SinkRecord}), appended to
 * `<dir>/m365d-<UTC time>-<pid>-<random>.ndjson`. A batch is written and fsync'd before
 * `deliver` resolves, so a record the outbox deletes is on disk. Rotation starts a new file by
 * size or age; closed files are never written again, so a shipper may pick up every file but the
 * newest. The random part keeps several workers sharing one directory out of each other's files.
 * A crash between the write and the outbox delete re-delivers the batch: duplicates carry the same
 * `idempotencyKey`.
 */
export function ndjsonSink(o: NdjsonSinkOptions): Sink {
  const name = o.name ?? 'ndjson'
  if (!SINK_NAME.test(name)) throw new SinkError('ERR_SINK_CONFIG', `invalid sink name '${name}'`, { hint: 'use letters, digits, - _ . (at most 64)' })
  const maxBytes = o.maxBytes ?? 64 * 1024 * 1024
  const maxAgeMs = o.maxAgeMs ?? 3_600_000
  const now = o.now ?? Date.now
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`
  let current: { handle: FileHandle; path: string; bytes: number; openedAt: number } | undefined
  let seq = 0
  let chain: Promise<unknown> = Promise.resolve()

  const rotate = async () => {
    await current?.handle.close()
    current = undefined
    await mkdir(o.dir, { recursive: true })
    const stamp = new Date(now()).toISOString().replace(/[-:]/g, '').replace('.', '')
    const path = join(o.dir, `m365d-${stamp}-${tag}-${String(++seq).padStart(4, '0')}.ndjson`)
    current = { handle: await open(path, 'a'), path, bytes: 0, openedAt: now() }
  }

  const write = async (batch: SinkRecord[]) => {
    const data = Buffer.from(batch.map((r) => JSON.stringify(r) + '\n').join(''))
    try {
      if (!current || now() - current.openedAt >= maxAgeMs || (current.bytes > 0 && current.bytes + data.length > maxBytes)) await rotate()
      await current!.handle.write(data)
      await current!.handle.sync()
      current!.bytes += data.length
    } catch (cause) {
      // The file may now hold part of the batch: never append to it again.
      await current?.handle.close().catch(() => undefined)
      current = undefined
      throw new SinkError('ERR_SINK_WRITE', `cannot write to ${o.dir}`, { hint: 'check free space and permissions of the sink directory', cause })
    }
  }

  return {
    name,
    // Batches are serialized: a rotation must not interleave with another batch's write.
    deliver(batch) {
      const next = chain.then(() => write(batch))
      chain = next.catch(() => undefined)
      return next
    },
    async close() {
      await chain
      await current?.handle.close()
      current = undefined
    },
  }
}
