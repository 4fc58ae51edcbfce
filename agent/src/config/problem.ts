// Typed problems: what validation and apply report. `code` is stable (operators and scripts match on it),
// `path` is a JSON pointer into the document ("/vpcs/1/vni") so a tool can point at the offending field.

export type ProblemCode =
  | 'SCHEMA' // shape/type/unknown field (OpenAPI validator)
  | 'NOT_SUPPORTED' // accepted by the schema, not realized yet: refused rather than silently ignored
  | 'DUPLICATE' // a name/id/VNI/address that must be unique is not
  | 'OVERLAP' // prefixes that must be disjoint overlap
  | 'NO_SUCH_REF' // refers to a VPC/profile/group/port that does not exist
  | 'INVALID_VALUE' // well-typed but meaningless (host bits set, reserved prefix, wrong family)
  | 'NAT_INCOMPATIBLE' // NAT combination that cannot work
  | 'MISSING' // required for this document (e.g. VTEP once VPCs exist)
  | 'REFUSED'; // a consumer (dataplane, FRR) refused the generation at apply time

export interface Problem {
  code: ProblemCode;
  /** JSON pointer into the desired-state document. */
  path: string;
  detail: string;
}

export function problem(code: ProblemCode, path: string, detail: string): Problem {
  return { code, path, detail };
}
