/**
 * The incidents/alerts groups' `onError` (legacy `defender`, Graph `graph`): a bad `$filter` or a
 * bad update body is a 400 in the surface's words (legacy ASP.NET OData `ODataError` /
 * `InvalidInput`, Graph `BadRequest`); anything else is the app's internal error.
 */
import { apiErrors } from '../api/front.js'
import { FilterError } from './filter.js'
import { PatchError } from './patch.js'

export const defenderErrors = apiErrors((error, surface) => {
  if (error instanceof FilterError)
    return { status: 400, code: surface === 'legacy' ? 'ODataError' : 'BadRequest', message: `Invalid OData URI query: $filter: ${error.message}.` }
  if (error instanceof PatchError)
    return surface === 'legacy' ? { status: 400, code: 'InvalidInput', message: `Invalid input: ${error.message}` } : { status: 400, code: 'BadRequest', message: error.message }
  return undefined
})
