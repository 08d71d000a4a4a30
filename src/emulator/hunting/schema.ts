/** The advanced hunting catalogue and the shape of an externaldata source (shared by the store and the workers). */
import { loadSchema, type KqlSchema } from '../../kql/index.js'
import { HUNTING_SCHEMA } from './schema_data.js'

let schema: KqlSchema | undefined
/** The advanced hunting catalogue, loaded once per process (per worker thread). */
export function huntingSchema(): KqlSchema {
  return (schema ??= loadSchema(HUNTING_SCHEMA))
}

/** An allowed `externaldata` URI: its content inline, or a local file read at query time. */
export type ExternalSource = string | { file: string }
