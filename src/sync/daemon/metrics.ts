/**
 * A minimal Prometheus registry rendering the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE` per
 * family, label values escaped (backslash, double quote, newline), histograms as cumulative
 * `_bucket{le=…}` series plus `_sum` and `_count`.
 */
export type Labels = Record<string, string>
type Kind = 'counter' | 'gauge' | 'histogram'

interface Series {
  labels: Labels
  value: number
  buckets?: number[]
  sum?: number
}

interface Family {
  name: string
  help: string
  kind: Kind
  buckets?: readonly number[]
  series: Map<string, Series>
}

export class Registry {
  readonly #families = new Map<string, Family>()

  counter(name: string, help: string): void {
    this.#define(name, help, 'counter')
  }
  gauge(name: string, help: string): void {
    this.#define(name, help, 'gauge')
  }
  histogram(name: string, help: string, buckets: readonly number[]): void {
    this.#define(name, help, 'histogram', [...buckets].sort((a, b) => a - b))
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    this.#series(name, labels).value += by
  }

  set(name: string, labels: Labels, value: number): void {
    this.#series(name, labels).value = value
  }

  /** Drops every series of a gauge family (before re-filling it from a fresh snapshot). */
  reset(name: string): void {
    this.#family(name).series.clear()
  }

  observe(name: string, labels: Labels, value: number): void {
    const f = this.#family(name)
    const s = this.#series(name, labels)
    s.buckets ??= f.buckets!.map(() => 0)
    f.buckets!.forEach((b, i) => {
      if (value <= b) s.buckets![i]!++
    })
    s.sum = (s.sum ?? 0) + value
    s.value++
  }

  get(name: string, labels: Labels = {}): number {
    return this.#family(name).series.get(key(labels))?.value ?? 0
  }

  render(): string {
    const out: string[] = []
    for (const f of this.#families.values()) {
      out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.kind}`)
      for (const s of f.series.values()) {
        if (f.kind !== 'histogram') {
          out.push(`${f.name}${fmtLabels(s.labels)} ${fmtNumber(s.value)}`)
          continue
        }
        f.buckets!.forEach((b, i) => out.push(`${f.name}_bucket${fmtLabels({ ...s.labels, le: fmtNumber(b) })} ${s.buckets?.[i] ?? 0}`))
        out.push(`${f.name}_bucket${fmtLabels({ ...s.labels, le: '+Inf' })} ${s.value}`)
        out.push(`${f.name}_sum${fmtLabels(s.labels)} ${fmtNumber(s.sum ?? 0)}`)
        out.push(`${f.name}_count${fmtLabels(s.labels)} ${s.value}`)
      }
    }
    return out.join('\n') + '\n'
  }

  #define(name: string, help: string, kind: Kind, buckets?: readonly number[]): void {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new RangeError(`invalid metric name ${name}`)
    if (!this.#families.has(name)) this.#families.set(name, { name, help, kind, ...(buckets && { buckets }), series: new Map() })
  }

  #family(name: string): Family {
    const f = this.#families.get(name)
    if (!f) throw new RangeError(`metric ${name} is not defined`)
    return f
  }

  #series(name: string, labels: Labels): Series {
    const f = this.#family(name)
    const k = key(labels)
    let s = f.series.get(k)
    if (!s) f.series.set(k, (s = { labels, value: 0 }))
    return s
  }
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function fmtLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  if (!entries.length) return ''
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`
}

function fmtNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}
