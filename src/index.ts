// The package's public API.
export { InputError, UsageError } from './errors.js';
export { version } from './version.js';
