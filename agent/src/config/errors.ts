// Typed errors of the config service; the API maps each code to one HTTP status (api/problem.ts).
import type { Problem } from './problem.ts';

export type ConfigErrorCode =
  | 'PRECONDITION_REQUIRED' // write without If-Match
  | 'STALE_GENERATION' // If-Match is not the newest generation
  | 'INVALID_CONFIG' // semantic problems (problems[] lists every one)
  | 'REFUSED' // stored, but a consumer refused it: the previous generation stays in force
  | 'NOT_FOUND'
  | 'STORE_UNAVAILABLE'; // store unreachable (degraded): writes refused, last applied generation keeps running

export class ConfigError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly extra: { problems?: Problem[]; current?: number; path?: string } = {},
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
