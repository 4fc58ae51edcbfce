/* SPDX-License-Identifier: Apache-2.0 */
/* nat module, stateless half: static NAT44 and NPTv6 on the path between peered VPCs (a GW_PRE_ROUTING filter
 * right after vpc classify), the inverse mapping for ICMP errors the gateway builds about a translated packet
 * (icmp's untranslate registration point), and the per-peering snapshots the workers read.
 *
 * Readers see one immutable snapshot per peering id, rebuilt by the writer on every change of that peering's
 * entries and swapped with a release store (the old one freed after a QSBR grace period). A peering has the
 * exposes of its two VPCs: a handful of rules, so a packet scans the rules of one (VRF, family) group, sorted
 * longest prefix first, instead of paying for a trie. */
#ifndef GW_NAT_H
#define GW_NAT_H

#include "gw_nat.h"
#include "ip/ip.h"
#include "vpc/gw_vpc.h"

enum nat_side { NAT_IPS = 0, NAT_AS = 1 };

/* md->nat: what this module rewrote in the packet (the untranslate fn reverses exactly that). */
#define GW_NAT_SRC 1u
#define GW_NAT_DST 2u

struct nat_rule {
	uint32_t vrf;
	uint8_t v6, plen;
	uint16_t adj[2]; /* NPTv6 one's complement adjustment (words as stored): [NAT_IPS] ips->as, [NAT_AS] as->ips */
	uint32_t p4[2], m4; /* IPv4 prefixes [NAT_IPS], [NAT_AS] and mask, network order */
	uint64_t p6[2][2], m6[2]; /* IPv6 prefixes and mask as two 64-bit loads of the address bytes */
};
struct nat_group {
	uint32_t vrf, first, n; /* rules r[first .. first + n) of one VRF and family */
	uint8_t v6;
};
struct nat_snap {
	uint32_t n_grp;
	struct nat_group grp[4]; /* a peering joins two VPCs, two families each; more only from odd writes */
	uint32_t n_extra;        /* groups past 4 live in xgrp */
	const struct nat_group *xgrp;
	const struct nat_rule *r;
};

struct nat_frag_tbl; /* nat_frag.c */
struct nat_wcnt {
	uint64_t *translations; /* [GW_VPC_MAX_PEERING + 1] */
	struct nat_frag_tbl *frag; /* this worker's records of first fragments (nat_frag.c) */
};

struct nat_wentry; /* the writer's entries (nat_static_table.c) */
struct nat_tables {
	const struct nat_snap *_Atomic *snap; /* [GW_VPC_MAX_PEERING + 1] */
	struct nat_wentry *e;                 /* control thread only */
	uint32_t n, cap;
	struct nat_wcnt cnt[GW_MAX_WORKERS];
};

static inline struct nat_tables *gw_nat(const struct gw_dp *dp) { return dp->mod[GW_MOD_nat]; }

static inline const struct nat_snap *nat_snap_get(const struct gw_dp *dp, uint32_t peering)
{
	return atomic_load_explicit(&gw_nat(dp)->snap[peering], memory_order_acquire);
}

static inline const struct nat_group *nat_group(const struct nat_snap *s, uint32_t vrf, bool v6)
{
	for (uint32_t i = 0; i < s->n_grp; i++)
		if (s->grp[i].vrf == vrf && s->grp[i].v6 == v6)
			return &s->grp[i];
	for (uint32_t i = 0; i < s->n_extra; i++)
		if (s->xgrp[i].vrf == vrf && s->xgrp[i].v6 == v6)
			return &s->xgrp[i];
	return NULL;
}

/* The longest rule of (vrf, IPv4) whose `side` prefix holds a (network order), or NULL. */
static inline const struct nat_rule *nat_find4(const struct nat_snap *s, uint32_t vrf, uint32_t a, enum nat_side side)
{
	const struct nat_group *g = nat_group(s, vrf, false);
	if (!g)
		return NULL;
	for (const struct nat_rule *r = s->r + g->first, *e = r + g->n; r < e; r++)
		if ((a & r->m4) == r->p4[side])
			return r;
	return NULL;
}

static inline const struct nat_rule *nat_find6(const struct nat_snap *s, uint32_t vrf, const uint8_t *a,
					       enum nat_side side)
{
	const struct nat_group *g = nat_group(s, vrf, true);
	if (!g)
		return NULL;
	uint64_t hi, lo;
	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	for (const struct nat_rule *r = s->r + g->first, *e = r + g->n; r < e; r++)
		if ((hi & r->m6[0]) == r->p6[side][0] && (lo & r->m6[1]) == r->p6[side][1])
			return r;
	return NULL;
}

/* One address to map: the rule group's VRF and which of its prefixes the address must be in (it leaves in the
 * other); vrf UINT32_MAX = leave the address alone. */
struct nat_look {
	uint32_t vrf;
	enum nat_side side;
};
#define NAT_LOOK_NONE ((struct nat_look){UINT32_MAX, NAT_IPS})

/* Stages' translation cores: map the packet's source and destination as told, in place, with everything that
 * depends on them (checksums; with icmp_embedded, the packet an ICMP error carries: it travelled the other
 * way, so its source is mapped as told for the outer destination and its destination as for the outer source). h = IP header, avail = its bytes in the first segment, bounded by
 * the IP length. Returns GW_DROP_MAX (done, *done = GW_NAT_SRC/GW_NAT_DST bits) or the drop reason (the packet
 * is then unchanged). */
int gw_nat44_static_xlate(const struct nat_snap *s, uint8_t *h, uint32_t avail, struct nat_look src,
			  struct nat_look dst, bool icmp_embedded, uint8_t *done);
int gw_nptv6_xlate(const struct nat_snap *s, uint8_t *h, uint32_t avail, struct nat_look src, struct nat_look dst,
		   bool icmp_embedded, uint8_t *done);

/* RFC 6296 mapping of one address by rule r from `side` to the other side, in place: false when the address is
 * untranslatable (no word to carry the adjustment), a untouched then. */
bool gw_nptv6_map(const struct nat_rule *r, enum nat_side side, uint8_t *a);
/* The adjustment of a rule (the writer computes it once): one's complement sum of from's prefix minus to's. */
uint16_t gw_nptv6_adjustment(const uint8_t *from, const uint8_t *to);

/* the filter and the untranslate fn (nat_static.c), registered by the module's init */
bool gw_nat_static(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
void gw_nat_static_init(void);

/* later fragments of stateful flows (nat_frag.c; napt's side is gw_nat_frag.h) */
bool gw_nat_frag_follow(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out);
int gw_nat_frag_worker_create(struct gw_worker *w, struct nat_wcnt *c);
void gw_nat_frag_worker_free(struct nat_wcnt *c);

#endif
