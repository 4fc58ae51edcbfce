// Shared plumbing of gwctl commands: where the API is (global options), JSON vs table output, and turning a
// problem+json answer or an unreachable daemon into a clear message and exit code (1 = refused, 2 = unreachable).
import type { Command } from 'commander';
import { apiClient, DEFAULT_SOCKET, UnreachableError, type ApiClient } from './client.ts';

export interface GlobalOptions {
  socket?: string;
  url?: string;
  token?: string;
  json?: boolean;
}

interface ProblemLike {
  code?: string;
  detail?: string;
  status?: number;
  problems?: { code: string; path: string; detail: string }[];
  currentGeneration?: number;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** The API's problem+json, printed as is with -j. */
    readonly problem?: unknown,
  ) {
    super(message);
  }
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function client(cmd: Command): ApiClient {
  const g = globals(cmd);
  const url = g.url ?? process.env.GWCTL_URL;
  const token = g.token ?? process.env.GWCTL_TOKEN;
  return apiClient({ socket: g.socket ?? process.env.GWCTL_SOCKET ?? DEFAULT_SOCKET, ...(url ? { url } : {}), ...(token ? { token } : {}) });
}

/** Unwraps an openapi-fetch result: data, or a CliError describing the problem. */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await p;
  } catch (e) {
    if (e instanceof UnreachableError) {
      throw new CliError(`gwctl: ${e.message}\n  is vpc-gatewayd running? Point gwctl at it with --socket <path> (or GWCTL_SOCKET), or --url/--token.`, 2);
    }
    throw e;
  }
  if (r.error !== undefined || !r.response.ok) throw new CliError(describeProblem(r.error as ProblemLike, r.response.status), 1, r.error);
  return r.data as T;
}

export function describeProblem(p: ProblemLike | undefined, status: number): string {
  const lines = [`error: ${p?.code ?? `HTTP_${status}`}: ${p?.detail ?? 'request failed'}`];
  for (const x of p?.problems ?? []) lines.push(`  ${x.path || '/'}: ${x.code}: ${x.detail}`);
  if (p?.currentGeneration !== undefined) lines.push(`  current generation: ${p.currentGeneration}`);
  return lines.join('\n');
}

/** Prints `data` as JSON with -j, else the rendered text. */
export function print(cmd: Command, data: unknown, render: () => string): void {
  process.stdout.write(globals(cmd).json ? `${JSON.stringify(data, null, 2)}\n` : render());
}
