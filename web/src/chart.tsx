import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartSeries {
  label: string
  values: (number | null)[]
  stroke: string
  /** 'bars' (default when the chart has `bars`) or 'line' (drawn over the bars, with points). */
  kind?: 'bars' | 'line'
}

/**
 * Stacked values: series i is drawn from 0 to the sum of series 0..i, the stack's top drawn first,
 * so with opaque fills each segment shows exactly its own share (uPlot has no stacking of its own;
 * this is the approach of its stacked-series demo, https://leeoniya.github.io/uPlot/demos/stacked-series.html).
 */
export function stackValues(series: (number | null)[][]): number[][] {
  const sums = series[0]?.map(() => 0) ?? []
  return series.map((values) => values.map((v, i) => (sums[i]! += v ?? 0)))
}

/**
 * A uPlot chart (canvas; styles from the bundled CSS file, so the strict CSP holds) with its
 * legend. `stacked` stacks the bar series (bottom first); the legend and the hover values show each
 * series' own figure, not the running sum.
 */
export function Chart({ title, x, series, bars, stacked, height = 220, label, xLabels }: { title: string; x: number[]; series: ChartSeries[]; bars?: boolean; stacked?: boolean; height?: number; label: string; xLabels?: string[] }) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!ref.current) return
    const width = Math.max(320, ref.current.clientWidth - 16)
    const own = series.map((s) => s.values)
    const drawn = stacked ? stackValues(own) : own
    // The top of the stack first: each lower segment is then painted over it.
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i)
    const opts: uPlot.Options = {
      title,
      width,
      height,
      scales: { x: { time: !xLabels, ...(xLabels && { range: [0.4, xLabels.length + 0.6] as uPlot.Range.MinMax }) }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] } },
      legend: { show: true, live: true },
      // Categories (tenants) on x: one tick per index, labelled with the name.
      axes: [
        xLabels ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? (xLabels[t - 1] ?? '') : '')), splits: () => xLabels.map((_, i) => i + 1), rotate: 0 } : {},
        { label },
      ],
      series: [
        xLabels ? { label: 'tenant', value: (_u: uPlot, v: number | null) => (v === null ? '–' : (xLabels[v - 1] ?? '')) } : {},
        ...order.map((i) => {
          const s = series[i]!
          const asBars = bars && s.kind !== 'line'
          return {
            label: s.label,
            stroke: s.stroke,
            width: asBars ? 1 : 2,
            fill: asBars ? (stacked ? s.stroke : `${s.stroke}99`) : undefined,
            // The legend shows the series' own value at the cursor, not the stacked sum.
            value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx === null ? '–' : String(own[i]![idx] ?? 0)),
            ...(asBars ? { paths: uPlot.paths.bars!({ size: [0.6, 48] }), points: { show: false } } : { points: { show: true, size: 5 } }),
          }
        }),
      ],
    }
    const plot = new uPlot(opts, [x, ...order.map((i) => drawn[i]!)] as uPlot.AlignedData, ref.current)
    return () => plot.destroy()
  }, [title, stacked, JSON.stringify(x), JSON.stringify(xLabels), JSON.stringify(series.map((s) => s.values))])
  return <div class="chart" ref={ref} role="img" aria-label={`${title} (chart; the same figures are in the table)`} />
}
