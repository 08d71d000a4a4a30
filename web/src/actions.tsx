import { useEffect, useState } from 'preact/hooks'
import type { ActionResponse, ActionResult, ActionTarget, IncidentAction } from '../../src/console/api_types.ts'
import { api, ApiError } from './api.ts'

interface Choices {
  statuses: string[]
  classifications: string[]
  determinationsByClassification: Record<string, string[]>
}

let choicesCache: Promise<Choices> | undefined
function useChoices(): Choices | null {
  const [c, setC] = useState<Choices | null>(null)
  useEffect(() => {
    choicesCache ??= api.get<Choices>('/choices')
    void choicesCache.then(setC)
  }, [])
  return c
}

/** The action form for one incident or a selection across tenants: assign, status, classification + determination (valid pairs only), tags, comment. */
export function ActionForm({ targets, onDone, initialTags }: { targets: ActionTarget[]; onDone: (r: ActionResult[]) => void; initialTags?: string[] }) {
  const choices = useChoices()
  const [assignedTo, setAssignedTo] = useState('')
  const [status, setStatus] = useState('')
  const [classification, setClassification] = useState('')
  const [determination, setDetermination] = useState('')
  const [tags, setTags] = useState(initialTags ? initialTags.join(', ') : '')
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [results, setResults] = useState<ActionResult[] | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const determinations = classification && choices ? (choices.determinationsByClassification[classification] ?? []) : []
  const submit = async (e: Event) => {
    e.preventDefault()
    const action: IncidentAction = {}
    if (assignedTo.trim()) action.assignedTo = assignedTo.trim()
    if (status) action.status = status
    if (classification) action.classification = classification
    if (determination) action.determination = determination
    if (initialTags ? tags !== initialTags.join(', ') : tags.trim()) action.tags = tags.split(',').map((t) => t.trim()).filter(Boolean)
    if (comment.trim()) action.comment = comment.trim()
    if (!Object.keys(action).length) return setError(new ApiError(400, 'ERR_CONSOLE_ACTION', 'choose at least one change'))
    setBusy(true)
    setError(null)
    try {
      const r = await api.post<ActionResponse>('/incidents/actions', { targets, action })
      setResults(r.results)
      setComment('')
      onDone(r.results)
    } catch (err) {
      setError(err as ApiError)
    } finally {
      setBusy(false)
    }
  }
  const failed = results?.filter((r) => !r.ok) ?? []
  return (
    <form class="bulk" onSubmit={submit} aria-label={`Change ${targets.length} incident${targets.length === 1 ? '' : 's'}`}>
      <strong>
        {targets.length} selected{new Set(targets.map((t) => t.tenantId)).size > 1 ? ` in ${new Set(targets.map((t) => t.tenantId)).size} tenants` : ''}
      </strong>
      <label>
        Assign to <input name="assignedTo" value={assignedTo} onInput={(e) => setAssignedTo((e.target as HTMLInputElement).value)} placeholder="analyst@partner.com" />
      </label>
      <label>
        Status
        <select name="status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="">(keep)</option>
          {choices?.statuses.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <label>
        Classification
        <select name="classification" value={classification} onChange={(e) => (setClassification((e.target as HTMLSelectElement).value), setDetermination(''))}>
          <option value="">(keep)</option>
          {choices?.classifications.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <label>
        Determination
        <select name="determination" value={determination} disabled={!classification} onChange={(e) => setDetermination((e.target as HTMLSelectElement).value)}>
          <option value="">(none)</option>
          {determinations.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <label>
        Tags <input name="tags" value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} placeholder="comma-separated (replaces)" />
      </label>
      <label>
        Comment <input name="comment" value={comment} onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
      </label>
      <button class="primary" type="submit" disabled={busy}>
        {busy ? 'Applying…' : 'Apply'}
      </button>
      {error && <div class="error" role="alert">{error.message}{error.hint && <div class="hint">Fix: {error.hint}</div>}</div>}
      {results && (
        <div role="status" class="small" data-testid="action-results">
          {results.length - failed.length} of {results.length} written back.
          {failed.map((f) => (
            <div key={`${f.tenantId}/${f.incidentId}`} class="error">
              Tenant {f.tenantId}, incident {f.incidentId}: {f.status ? `HTTP ${f.status} ` : ''}
              {f.error?.message}
              {f.error?.hint && <div class="hint">Fix: {f.error.hint}</div>}
            </div>
          ))}
        </div>
      )}
    </form>
  )
}
