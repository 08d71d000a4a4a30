import type { ComponentChildren } from 'preact'
import type { ConsoleHealth } from '../../src/console/api_types.ts'

export const HEALTH_LABEL: Record<ConsoleHealth, string> = {
  ok: 'ok',
  pending: 'pending',
  paused: 'paused',
  not_consented: 'not consented',
  missing_roles: 'missing roles',
  needs_graph_consent: 'needs Graph consent',
  throttled: 'throttled',
  failing: 'failing',
}

export function HealthBadge({ health }: { health: ConsoleHealth }) {
  return <span class={`badge h-${health}`}>{HEALTH_LABEL[health]}</span>
}

export function SevBadge({ severity }: { severity: string | null }) {
  const s = (severity ?? 'unknown').toLowerCase()
  return <span class={`badge sev-${s}`}>{s}</span>
}

export function Tile({ label, value, tone }: { label: string; value: ComponentChildren; tone?: 'bad' | 'warn' | 'ok' }) {
  return (
    <div class={`tile ${tone ?? ''}`}>
      <div class="tile-value">{value}</div>
      <div class="tile-label">{label}</div>
    </div>
  )
}

export function ErrorNote({ error }: { error: { code?: string; message?: string; hint?: string } | null | undefined }) {
  if (!error) return null
  return (
    <div class="error" role="alert">
      <strong>{error.code}</strong> {error.message}
      {error.hint && <div class="hint">Fix: {error.hint}</div>}
    </div>
  )
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}
