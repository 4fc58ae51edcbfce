/* SPDX-License-Identifier: Apache-2.0 */
/* The static NAT filter (GW_PRE_ROUTING, after vpc classify) and its inverse for ICMP errors the gateway builds
 * about a packet it translated. Only packets that crossed a peering (md->peering != 0) whose peering has static
 * entries are looked at: everything else pays one load and a branch, or two. */
#include "icmp/icmp.h"
#include "nat.h"

static inline uint32_t avail_of(const struct gw_pkt *p, const uint8_t *h, bool v6)
{
	uint32_t seg = rte_pktmbuf_data_len(p->m) - p->l3;
	uint32_t len = v6 ? sizeof(struct rte_ipv6_hdr) + rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)h)->payload_len)
			  : rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)h)->total_length);
	return len < seg ? len : seg;
}

static void trace_orig(struct gw_worker *w, const uint8_t *h, bool v6)
{
	w->tr.nat_src.family = w->tr.nat_dst.family = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		memcpy(w->tr.nat_src.v6, h + 8, 16);
		memcpy(w->tr.nat_dst.v6, h + 24, 16);
	} else {
		w->tr.nat_src.v4 = gw_ld32(h + 12);
		w->tr.nat_dst.v4 = gw_ld32(h + 16);
	}
}

bool gw_nat_static(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)out;
	struct gw_meta *md = p->md;
	if (likely(md->peering == 0))
		return false;
	const struct nat_snap *s = nat_snap_get(w->dp, md->peering);
	if (likely(s == NULL))
		return false;
	gw_stage(w, GW_STAGE_NAT_STATIC);
	uint8_t *h = rte_pktmbuf_mtod_offset(p->m, uint8_t *, p->l3);
	bool v6 = (h[0] >> 4) == 6;
	struct nat_look src = {md->vpc - 1, NAT_IPS}, dst = {md->vrf, NAT_AS};
	if (unlikely(w->trace_fn != NULL))
		trace_orig(w, h, v6);
	uint8_t done;
	int r = v6 ? gw_nptv6_xlate(s, h, avail_of(p, h, v6), src, dst, true, &done)
		   : gw_nat44_static_xlate(s, h, avail_of(p, h, v6), src, dst, true, &done);
	if (unlikely(r != GW_DROP_MAX)) {
		gw_drop(w, p, (enum gw_drop_reason)r);
		return true;
	}
	if (done) {
		md->nat = done;
		if (done & GW_NAT_DST)
			md->fib_family = 0; /* a burst-level lookup was of the address before */
		((struct nat_wcnt *)w->mod[GW_MOD_nat])->translations[md->peering]++;
	}
	if (unlikely(w->trace_fn != NULL))
		w->tr.nat = done;
	return false;
}

/* icmp's untranslate point: the packet about to be quoted in an error goes back to what its sender sent. */
static bool nat_static_untranslate(struct gw_worker *w, struct gw_pkt *p)
{
	struct gw_meta *md = p->md;
	if (md->nat == 0)
		return false;
	const struct nat_snap *s = nat_snap_get(w->dp, md->peering);
	if (s == NULL)
		return false;
	uint8_t *h = rte_pktmbuf_mtod_offset(p->m, uint8_t *, p->l3);
	bool v6 = (h[0] >> 4) == 6;
	struct nat_look src = md->nat & GW_NAT_SRC ? (struct nat_look){md->vpc - 1, NAT_AS} : NAT_LOOK_NONE;
	struct nat_look dst = md->nat & GW_NAT_DST ? (struct nat_look){md->vrf, NAT_IPS} : NAT_LOOK_NONE;
	uint8_t done;
	int r = v6 ? gw_nptv6_xlate(s, h, avail_of(p, h, v6), src, dst, false, &done)
		   : gw_nat44_static_xlate(s, h, avail_of(p, h, v6), src, dst, false, &done);
	md->nat = 0;
	return r == GW_DROP_MAX && done;
}

void gw_nat_static_init(void)
{
	gw_chain_add(GW_PRE_ROUTING, gw_nat_static);
	gw_chain_add(GW_PRE_ROUTING, gw_nat_frag_follow);
	gw_icmp_untranslate_register(nat_static_untranslate);
}
