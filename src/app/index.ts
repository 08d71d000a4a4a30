// The application layer: entry points (CLI, daemon, console) build an App from resolved settings.
export { createApp } from './app.js'
export type { App, ClientOptions } from './app.js'
export type { AppSettings } from './settings.js'
