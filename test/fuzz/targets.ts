/** Every fuzz target, by name (scripts/fuzz.ts runs them long, test/fuzz/*.test.ts briefly). */
import { jsonBodiesTarget } from './json_bodies.target.js'
import { kqlTarget } from './kql.target.js'
import { odataFilterTarget } from './odata_filter.target.js'
import type { FuzzTarget } from './target.js'
import { tokenFormTarget } from './token_form.target.js'

export const TARGETS: FuzzTarget<any>[] = [tokenFormTarget, odataFilterTarget, jsonBodiesTarget, kqlTarget]
