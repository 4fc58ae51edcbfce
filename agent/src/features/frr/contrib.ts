// Contribution point of the FRR renderer: features that need FRR to do more than the underlay (the overlay's
// VRFs and EVPN) add their text here instead of editing render.ts. Each contribution is a pure function of the
// document, so rendering stays deterministic and frr-reload.py sees no change for an unchanged generation.
import type { DesiredState } from '../../config/model.ts';
import type { Registry } from '../../core/daemon.ts';
import { FRR_CONTRIBUTIONS } from '../../core/keys.ts';

export interface FrrText {
  /** Top-level lines after the forwarding switches (zebra: `vrf X` / ` vni N` / `exit-vrf`). */
  zebra?: string[];
  /** Lines inside the default instance's `address-family ipv4 unicast` (e.g. `  network <vtep>/32`). */
  bgpIpv4Unicast?: string[];
  /** Whole address-family blocks inside `router bgp <asn>`, after the unicast ones (` address-family l2vpn evpn` ...). */
  bgpFamilies?: string[];
  /** Whole blocks after the default instance (`router bgp <asn> vrf <vpc>` ... `exit`). */
  blocks?: string[];
}

export type FrrContribution = (spec: DesiredState) => FrrText;

export class FrrContributions {
  private readonly list: FrrContribution[] = [];
  add(c: FrrContribution): void {
    this.list.push(c);
  }
  /** Every contribution's text for `spec`, merged per place in registration order. */
  render(spec: DesiredState): Required<FrrText> {
    const out: Required<FrrText> = { zebra: [], bgpIpv4Unicast: [], bgpFamilies: [], blocks: [] };
    for (const c of this.list) {
      const t = c(spec);
      for (const k of Object.keys(out) as (keyof FrrText)[]) out[k].push(...(t[k] ?? []));
    }
    return out;
  }
}

/** The one list of the daemon, created by whichever feature needs it first (contributors start before frr). */
export function frrContributions(registry: Registry): FrrContributions {
  const have = registry.find(FRR_CONTRIBUTIONS);
  if (have) return have;
  const c = new FrrContributions();
  registry.provide(FRR_CONTRIBUTIONS, c);
  return c;
}
