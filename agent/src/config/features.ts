// Features of the document and who realizes them. A field for a feature no registered consumer realizes is
// accepted by the schema (so documents written for later releases parse) but refused with NOT_SUPPORTED:
// the gateway never silently ignores desired state. Consumers declare what they realize (ConfigConsumer.realizes),
// so a feature becomes accepted the day its consumer is registered, with no change here.
import type { DesiredState } from './model.ts';
import { problem, type Problem } from './problem.ts';

export const FEATURES = [
  'ports',
  'bgp',
  'bfd',
  'vtep',
  'staticRoutes',
  'vpcs',
  'peerings',
  'groups',
  'nat.static',
  'nat.masquerade',
  'nat.portForward',
  'nat.nat64',
  'rateLimit',
] as const;
export type Feature = (typeof FEATURES)[number];

/** Every use of a feature in the document, with the path of the first field that needs it. */
export function featuresUsed(doc: DesiredState): { feature: Feature; path: string }[] {
  const out: { feature: Feature; path: string }[] = [];
  const use = (feature: Feature, path: string): void => {
    out.push({ feature, path });
  };
  doc.gateway.ports.forEach((_, i) => use('ports', `/gateway/ports/${i}`));
  doc.gateway.neighbors.forEach((n, i) => {
    use('bgp', `/gateway/neighbors/${i}`);
    if (n.bfdProfile !== undefined) use('bfd', `/gateway/neighbors/${i}/bfdProfile`);
  });
  doc.gateway.bfdProfiles.forEach((_, i) => use('bfd', `/gateway/bfdProfiles/${i}`));
  // Policies, groups and raw fragments only mean something to whoever realizes BGP.
  (doc.gateway.neighborGroups ?? []).forEach((g, i) => {
    use('bgp', `/gateway/neighborGroups/${i}`);
    if (g.bfdProfile !== undefined) use('bfd', `/gateway/neighborGroups/${i}/bfdProfile`);
  });
  (doc.gateway.policies ?? []).forEach((_, i) => use('bgp', `/gateway/policies/${i}`));
  if (doc.gateway.frrFragments) use('bgp', '/gateway/frrFragments');
  if (doc.gateway.vtep) use('vtep', '/gateway/vtep');
  doc.staticRoutes.forEach((_, i) => use('staticRoutes', `/staticRoutes/${i}`));
  doc.vpcs.forEach((_, i) => use('vpcs', `/vpcs/${i}`));
  doc.groups.forEach((_, i) => use('groups', `/groups/${i}`));
  doc.peerings.forEach((p, i) => {
    use('peerings', `/peerings/${i}`);
    if (p.group !== undefined) use('groups', `/peerings/${i}/group`);
    p.sides.forEach((s, j) =>
      s.expose.forEach((e, k) => {
        const at = `/peerings/${i}/sides/${j}/expose/${k}`;
        if (e.nat) use(`nat.${e.nat.mode}`, `${at}/nat`);
        if (e.rateLimit) use('rateLimit', `${at}/rateLimit`);
      }),
    );
  });
  return out;
}

/** NOT_SUPPORTED problems for every use of a feature outside `realized` (one per use: operators fix each). */
export function unsupported(doc: DesiredState, realized: ReadonlySet<Feature>): Problem[] {
  return featuresUsed(doc)
    .filter((u) => !realized.has(u.feature))
    .map((u) => problem('NOT_SUPPORTED', u.path, `${u.feature} is not supported yet by this gateway (no component realizes it)`));
}
