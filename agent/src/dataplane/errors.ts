// Typed errors of the dataplane boundary: a stable `code` callers (API, CLI) map to responses.
export type DataplaneErrorCode =
  | 'DP_NOT_INITIALIZED'
  | 'DP_EAL_ALREADY'
  | 'DP_EAL_FAILED'
  | 'DP_BAD_CONFIG'
  | 'DP_SHUT_DOWN'
  | 'DP_PORT_EXISTS'
  | 'DP_PORT_FAILED'
  | 'DP_NO_PORT'
  | 'DP_NO_VRF'
  | 'DP_TOO_MANY_PORTS'
  | 'DP_ADDON_MISSING'
  | 'DP_WORKERS'
  | 'DP_BAD_ARGUMENT';

export class DataplaneError extends Error {
  constructor(
    readonly code: DataplaneErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DataplaneError';
  }
}
