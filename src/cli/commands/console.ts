import { defineCommand } from '../command.js'
import consoleUrl from './console_url.js'

export default defineCommand({
  name: 'console',
  summary: "The web console of a running 'm365d sync' / 'm365d start': get a fresh login link",
  description: `
The console is served on the daemon's ops port. Its login links work once: the token in the link
is exchanged for a session cookie and then refused. 'm365d console url' asks the running daemon
(found through the m365d-api.json it publishes in its data directory) for a new link.`,
  subCommands: [consoleUrl],
  examples: ['m365d console url', 'm365d console url --data-dir /tmp/m365d-start-abc123'],
})
