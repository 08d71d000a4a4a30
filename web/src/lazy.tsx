import type { FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ErrorNote } from './components.tsx'

/**
 * A page whose code is a separate chunk (Vite splits at dynamic import()), fetched on its first
 * render and kept. The chunk is a same-origin file under /console/assets, so the CSP's
 * script-src 'self' covers it.
 */
export function lazyPage<P extends object>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | undefined
  let pending: Promise<FunctionComponent<P>> | undefined
  return function LazyPage(props: P) {
    const [, setReady] = useState(0)
    const [error, setError] = useState<string | null>(null)
    useEffect(() => {
      if (loaded) return
      pending ??= load().then((c) => (loaded = c))
      pending.then(() => setReady((n) => n + 1)).catch((e: unknown) => ((pending = undefined), setError(e instanceof Error ? e.message : String(e))))
    }, [])
    if (error) return <ErrorNote error={{ code: 'ERR_CONSOLE_LOAD', message: `this page's code did not load: ${error}`, hint: 'reload the page' }} />
    const Page = loaded
    return Page ? <Page {...props} /> : <p>Loading…</p>
  }
}
