// Every failure of the lab runner carries a stable code so scripts and tests can tell causes apart.
export type LabErrorCode =
  | 'LAB_TOPOLOGY_UNREADABLE'
  | 'LAB_TOPOLOGY_INVALID'
  | 'LAB_UNSUPPORTED'
  | 'LAB_COMMAND_FAILED'
  | 'LAB_EXEC_FAILED'
  | 'LAB_NOT_UP'
  | 'LAB_NODE_UNKNOWN'
  | 'LAB_TIMEOUT';

export class LabError extends Error {
  constructor(
    readonly code: LabErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
