import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** A uPlot chart (canvas; styles from the bundled CSS file, so the strict CSP holds). */
export function Chart({ title, x, series, bars, height = 220, label, xLabels }: { title: string; x: number[]; series: { label: string; values: (number | null)[]; stroke: string }[]; bars?: boolean; height?: number; label: string; xLabels?: string[] }) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!ref.current) return
    const width = Math.max(320, ref.current.clientWidth - 16)
    const opts: uPlot.Options = {
      title,
      width,
      height,
      scales: { x: { time: !xLabels } },
      // Categories (tenants) on x: one tick per index, labelled with the name.
      axes: [xLabels ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? (xLabels[t - 1] ?? '') : '')), rotate: 0 } : {}, { label }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          fill: bars ? `${s.stroke}55` : undefined,
          width: 2,
          ...(bars && { paths: uPlot.paths.bars!({ size: [0.6, 40] }) }),
        })),
      ],
    }
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, ref.current)
    return () => plot.destroy()
  }, [title, JSON.stringify(x), JSON.stringify(series.map((s) => s.values))])
  return <div class="chart" ref={ref} role="img" aria-label={`${title} (chart; the same figures are in the table)`} />
}
