import { commentBody } from '../../defender/alert_update.js'
import type { Surface } from '../../defender/call.js'
import type { DefenderClient } from '../../defender/client.js'
import type { Comment, GraphComment } from '../../defender/models.js'
import type { CommandContext } from '../command.js'
import type { CliConfig } from '../config.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { openClient } from './incidents_shared.js'

/** What `alerts comment` and `incidents comment` do differently; the rest is {@link runComment}. */
export interface CommentTarget {
  /** `an alert ID`, `an incident ID`: for the missing-argument message. */
  what: string
  /** The arguments of the example in the hint, e.g. `924 "contained"`. */
  example: string
  /** Checks the id before any call and says which surface (and loaded configuration) to use. */
  resolve(id: string): Promise<{ surface: Surface; config?: CliConfig }>
  /** Posts the comment; answers every comment of the record. */
  post(client: DefenderClient<Surface>, id: string, text: string, options: { signal?: AbortSignal }): Promise<(GraphComment | Comment)[]>
}

/**
 * `… comment ID TEXT`: both arguments are checked before any call (comments cannot be edited or
 * deleted afterwards), then the comment is posted and every comment printed.
 */
export async function runComment(ctx: CommandContext, values: Parameters<typeof openClient>[1], target: CommentTarget): Promise<void> {
  expectPositionals(ctx.positionals, 2, ctx.commandPath)
  const [id, text] = ctx.positionals
  if (id === undefined || text === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs ${target.what} and the comment`, { hint: `e.g. ${ctx.commandPath} ${target.example}` })
  const { surface, config } = await target.resolve(id)
  commentBody(text)
  const { client, close } = await openClient(ctx, values, surface, config)
  try {
    const comments = await target.post(client, id, text, ctx.io.signal ? { signal: ctx.io.signal } : {})
    ctx.printJson(comments, { text: renderComments })
  } finally {
    close()
  }
}

/** One line per comment, oldest first, whatever the surface's field names. */
export function renderComments(comments: (GraphComment | Comment)[]): string {
  return comments
    .map((c) => {
      const g = c as GraphComment
      const l = c as Comment
      return `${g.createdDateTime ?? l.createdTime} ${g.createdByDisplayName ?? l.createdBy ?? ''}: ${c.comment}`
    })
    .join('\n')
}
