/* SPDX-License-Identifier: Apache-2.0 */
/* NPTv6 (RFC 6296): a stateless, checksum-neutral 1:1 mapping of an IPv6 prefix. The prefix bits are replaced and
 * one 16-bit word outside the prefix absorbs the difference of the prefixes' one's complement sums (§3.1), so
 * the address's sum, and with it every checksum over a pseudo-header (TCP, UDP, ICMPv6), is unchanged: nothing
 * but the addresses is written. Which word (§3.4, §3.7): bits 48..63 for a /48 or shorter prefix; for a longer
 * one the first word of host bits from the interface identifier on that is not 0xFFFF. 0xFFFF and 0x0000 are
 * the same one's complement number (§3.5): a result of 0xFFFF is written as 0x0000, and an address whose
 * adjustment word is 0xFFFF (or, longer prefix, whose host words all are) has no unique image: it is dropped
 * as nptv6_untranslatable. ICMPv6 errors carry the packet they are about: its addresses are mapped the same
 * way, which again leaves the ICMPv6 checksum as it was. */
#include <rte_ip.h>

#include "icmp/icmp.h"
#include "nat.h"
#include "nat_csum.h"

static inline uint16_t add1c(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

uint16_t gw_nptv6_adjustment(const uint8_t *from, const uint8_t *to)
{
	uint16_t sf = 0, st = 0;
	for (int i = 0; i < 16; i += 2) {
		sf = add1c(sf, nat_ld16(from + i));
		st = add1c(st, nat_ld16(to + i));
	}
	return add1c(sf, (uint16_t)~st);
}

/* The word (index 0..7) that carries the adjustment, -1 when none may. */
static inline int adj_word(const uint8_t *a, uint8_t plen)
{
	if (plen <= 48)
		return nat_ld16(a + 6) == 0xffff ? -1 : 3;
	for (int i = plen % 16 ? plen / 16 + 1 : plen / 16; i < 8; i++)
		if (i >= 4 && nat_ld16(a + 2 * i) != 0xffff)
			return i;
	return -1;
}

bool gw_nptv6_map(const struct nat_rule *r, enum nat_side side, uint8_t *a)
{
	int wi = adj_word(a, r->plen);
	if (wi < 0)
		return false;
	uint64_t hi, lo;
	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	hi = (hi & ~r->m6[0]) | r->p6[!side][0];
	lo = (lo & ~r->m6[1]) | r->p6[!side][1];
	memcpy(a, &hi, 8);
	memcpy(a + 8, &lo, 8);
	uint16_t w = add1c(nat_ld16(a + 2 * wi), r->adj[side]);
	if (w == 0xffff)
		w = 0;
	memcpy(a + 2 * wi, &w, 2);
	return true;
}

/* Maps the address at a into out as look says: 1 mapped, 0 nothing to map, -1 untranslatable. */
static inline int map6(const struct nat_snap *s, struct nat_look look, const uint8_t *a, uint8_t *out)
{
	const struct nat_rule *r = look.vrf == UINT32_MAX ? NULL : nat_find6(s, look.vrf, a, look.side);
	if (!r)
		return 0;
	memcpy(out, a, 16);
	return gw_nptv6_map(r, look.side, out) ? 1 : -1;
}

int gw_nptv6_xlate(const struct nat_snap *s, uint8_t *h, uint32_t avail, struct nat_look src, struct nat_look dst,
		   bool icmp_embedded, uint8_t *done)
{
	*done = 0;
	uint8_t ns[16], nd[16], es[16], ed[16];
	int ms = map6(s, src, h + 8, ns), md = map6(s, dst, h + 24, nd);
	if (likely(ms == 0 && md == 0))
		return GW_DROP_MAX;
	if (ms < 0 || md < 0)
		return GW_DROP_NPTV6_UNTRANSLATABLE;
	/* An ICMPv6 error right after the fixed header: its quoted packet went the other way (source mapped as the
	 * outer destination, destination as the outer source). Behind extension headers it is left as quoted. */
	uint8_t *e = h + sizeof(struct rte_ipv6_hdr) + 8;
	int mes = 0, med = 0;
	if (icmp_embedded && h[6] == GW_IPPROTO_ICMPV6 && avail >= sizeof(struct rte_ipv6_hdr) + 8 &&
	    h[sizeof(struct rte_ipv6_hdr)] < GW_ICMP6_INFO_MIN) {
		if (avail < 2 * sizeof(struct rte_ipv6_hdr) + 8 || (e[0] >> 4) != 6)
			return GW_DROP_NAT_ICMP_EMBEDDED_BAD;
		mes = map6(s, dst, e + 8, es);
		med = map6(s, src, e + 24, ed);
		if (mes < 0 || med < 0)
			return GW_DROP_NPTV6_UNTRANSLATABLE;
	}
	if (ms) {
		memcpy(h + 8, ns, 16);
		*done |= GW_NAT_SRC;
	}
	if (md) {
		memcpy(h + 24, nd, 16);
		*done |= GW_NAT_DST;
	}
	if (mes)
		memcpy(e + 8, es, 16);
	if (med)
		memcpy(e + 24, ed, 16);
	return GW_DROP_MAX;
}
