/**
 * The table catalogue the binder resolves names against. It is data passed in by the host (the
 * emulator passes Defender's advanced-hunting schema), never a path hard-coded here.
 */
import { readFileSync } from 'node:fs'
import { M365dArgumentError } from '../lib/errors.js'
import { typeFromName, type Column } from './types.js'

/** `{ Table: [[column, type], …] }` — the format of the shared schema.json. */
export type SchemaJson = Readonly<Record<string, readonly (readonly [string, string])[]>>

export type KqlSchema = ReadonlyMap<string, readonly Column[]>

/** Builds a schema from a schema.json object, or from the path of such a file. */
export function loadSchema(input: SchemaJson | string): KqlSchema {
  const json: SchemaJson = typeof input === 'string' ? (JSON.parse(readFileSync(input, 'utf8')) as SchemaJson) : input
  const out = new Map<string, readonly Column[]>()
  for (const [table, cols] of Object.entries(json)) {
    if (!Array.isArray(cols)) throw new M365dArgumentError(`schema: table '${table}' must be a list of [column, type] pairs`)
    out.set(table, cols.map(([name, t]) => {
      const type = typeFromName(t)
      if (type === undefined) throw new M365dArgumentError(`schema: column '${table}.${name}' has unknown type '${t}'`)
      return { name, type }
    }))
  }
  return out
}
