/**
 * Graph runHuntingQuery `Timespan`: the emulator reads it with the same parser as the client
 * (src/defender/timespan.ts), so both agree on every form.
 */
export { parseTimespan, timespanWindow } from '../../defender/timespan.js'
