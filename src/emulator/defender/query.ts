/**
 * OData system query options for list endpoints: `$filter`, `$top`, `$skip`, `$orderby`, `$count`,
 * `$expand`. Each surface passes its own field specs and page-size rules.
 */
import { fail, type RequestInfo } from '../api/responses.js'
import { evaluate, parseFilter, validateFilter, type FieldSpec } from './filter.js'

export interface ListRules<T> {
  entity: string
  fields: Record<string, FieldSpec<T>>
  /** Page size when `$top` is absent. */
  defaultTop: number
  maxTop: number
  /** 'error' → 400 above maxTop (legacy, ASP.NET OData MaxTop); 'clamp' → serve maxTop and page on (Graph). */
  overMaxTop: 'error' | 'clamp'
  /** Query options this surface accepts; others are rejected with 400. */
  allowed: string[]
  /** Default order: newest first by creation time, ties by id descending. */
  defaultOrder: (a: T, b: T) => number
  expandable?: string[]
  /** Properties `$select` may name (Graph); absent = `$select` not supported. */
  properties?: readonly string[]
}

export interface ListQuery<T> {
  predicate: (item: T) => boolean
  top: number
  skip: number
  order: (a: T, b: T) => number
  count: boolean
  expand: string[]
  /** `$select`ed properties in their canonical spelling; undefined = all. */
  select?: string[]
}

const CODE = (info: RequestInfo) => (info.surface === 'legacy' ? 'ODataError' : 'BadRequest')

function integer(info: RequestInfo, url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name)
  if (raw === null) return undefined
  if (!/^\d+$/.test(raw.trim())) fail(info, 400, CODE(info), `Invalid OData URI query: invalid value '${raw}' for ${name}; expected a non-negative integer.`)
  return Number(raw.trim())
}

export function parseListQuery<T>(info: RequestInfo, url: URL, rules: ListRules<T>): ListQuery<T> {
  for (const key of url.searchParams.keys()) {
    if (key.startsWith('$') && !rules.allowed.includes(key))
      fail(info, 400, CODE(info), `Invalid OData URI query: the query parameter '${key}' is not supported (supported: ${rules.allowed.join(', ')}).`)
  }
  let predicate: (item: T) => boolean = () => true
  const filter = url.searchParams.get('$filter')
  if (filter !== null) {
    // A FilterError is answered by the group's onError (defender/errors.ts).
    const node = parseFilter(filter)
    validateFilter(node, rules.fields, rules.entity)
    predicate = (item) => evaluate(node, item, rules.fields)
  }
  let top = integer(info, url, '$top') ?? rules.defaultTop
  if (top > rules.maxTop) {
    if (rules.overMaxTop === 'error') fail(info, 400, CODE(info), `Invalid OData URI query: the limit of '${rules.maxTop}' for Top query has been exceeded. The value from the incoming request is '${top}'.`)
    top = rules.maxTop
  }
  const skip = integer(info, url, '$skip') ?? 0
  let order = rules.defaultOrder
  const orderby = url.searchParams.get('$orderby')
  if (orderby !== null) order = parseOrderBy(info, orderby, rules)
  const countRaw = url.searchParams.get('$count')
  if (countRaw !== null && countRaw !== 'true' && countRaw !== 'false') fail(info, 400, CODE(info), `Invalid OData URI query: '${countRaw}' is not a valid $count value (true or false).`)
  const expandRaw = url.searchParams.get('$expand')
  const expand = expandRaw === null ? [] : expandRaw.split(',').map((s) => s.trim())
  for (const e of expand) {
    if (!(rules.expandable ?? []).includes(e)) fail(info, 400, CODE(info), `Invalid OData URI query: could not find a navigation property named '${e}' on type '${rules.entity}'.`)
  }
  const select = parseSelect(info, url, rules)
  return { predicate, top, skip, order, count: countRaw === 'true', expand, ...(select && { select }) }
}

/**
 * `$select=a,b` (the Graph SDK's `.select()`, PowerShell `-Property`): property names matched
 * case-insensitively, `*` = all; a name the type does not have is Graph's 400
 * "Could not find a property named 'x' on type '…'". Nothing else is refused.
 */
export function parseSelect(info: RequestInfo, url: URL, rules: Pick<ListRules<unknown>, 'entity' | 'properties'>): string[] | undefined {
  const raw = url.searchParams.get('$select')
  if (raw === null || !rules.properties) return undefined
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean)
  if (names.length === 0 || names.includes('*')) return undefined
  const out: string[] = []
  for (const name of names) {
    const hit = rules.properties.find((p) => p.toLowerCase() === name.toLowerCase())
    if (!hit) fail(info, 400, CODE(info), `Could not find a property named '${name}' on type '${rules.entity}'.`)
    if (!out.includes(hit)) out.push(hit)
  }
  return out
}

/** The entity with only the selected properties (navigation properties stay when expanded). */
export function project(entity: Record<string, unknown>, select: string[] | undefined, keep: string[] = []): Record<string, unknown> {
  if (!select) return entity
  const out: Record<string, unknown> = {}
  for (const k of [...select, ...keep]) if (k in entity) out[k] = entity[k]
  return out
}

function parseOrderBy<T>(info: RequestInfo, raw: string, rules: ListRules<T>): (a: T, b: T) => number {
  const keys = raw.split(',').map((part) => {
    const [field, dir = 'asc', ...extra] = part.trim().split(/\s+/)
    const spec = field && Object.hasOwn(rules.fields, field) ? rules.fields[field] : undefined
    if (!spec || extra.length || !['asc', 'desc'].includes(dir))
      fail(info, 400, CODE(info), `Invalid OData URI query: $orderby '${part.trim()}' is not valid (sortable: ${Object.keys(rules.fields).join(', ')}; direction asc or desc).`)
    // Enums sort by member order (unknown < informational < low < medium < high), like OData.
    const rank = spec.type === 'enum' && spec.values ? (v: string | number | null) => (v === null ? null : spec.values!.indexOf(String(v))) : (v: string | number | null) => v
    return { get: (item: T) => rank(spec.get(item)), sign: dir === 'desc' ? -1 : 1 }
  })
  return (a, b) => {
    for (const { get, sign } of keys) {
      const x = get(a)
      const y = get(b)
      if (x === y) continue
      if (x === null) return -sign
      if (y === null) return sign
      return (x < y ? -1 : 1) * sign
    }
    return rules.defaultOrder(a, b)
  }
}

/** Filters, counts, sorts and slices. */
export function runList<T>(items: T[], q: ListQuery<T>): { page: T[]; total: number; more: boolean } {
  const matched = items.filter(q.predicate).sort(q.order)
  const page = matched.slice(q.skip, q.skip + q.top)
  // `$top=0` never yields a nextLink (a client following it would loop forever).
  return { page, total: matched.length, more: page.length > 0 && q.skip + page.length < matched.length }
}
