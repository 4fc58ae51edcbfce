/* SPDX-License-Identifier: Apache-2.0 */
/* Static NAT44: prefix-to-prefix address rewrite, host bits and ports kept, checksums updated incrementally
 * (RFC 1624). The L4 checksum (its pseudo-header holds the addresses) is only in a first fragment; a later
 * fragment carries no L4 header and gets the IP header's update alone. An ICMP error carries the packet it is
 * about: that packet's addresses (and its IP and L4 checksums) are mapped too, the ICMP checksum following
 * (RFC 5508 §4.2: the receiver must recognise its own flow in the error). */
#include <rte_ip.h>

#include "nat.h"
#include "nat_csum.h"

#define IP4_SRC 12
#define IP4_DST 16
#define IP4_CKSUM 10

static inline bool icmp4_is_error(uint8_t type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }

/* The mapped address for a (network order) or 0 with *r NULL when look maps nothing. */
static inline uint32_t map4(const struct nat_snap *s, struct nat_look look, uint32_t a, const struct nat_rule **r)
{
	*r = look.vrf == UINT32_MAX ? NULL : nat_find4(s, look.vrf, a, look.side);
	return *r ? (*r)->p4[!look.side] | (a & ~(*r)->m4) : 0;
}

/* Offset of the L4 checksum of proto in a first fragment, 0 for none the addresses feed (ICMP, others). */
static inline uint32_t l4_csum_off(uint8_t proto) { return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 0; }

/* The embedded packet of an ICMP error at e (elen bytes): its addresses mapped, its IP checksum and (when quoted
 * in full) its L4 checksum updated; every changed word's delta added to *icmp_delta. False: not a readable
 * IPv4 header, checked before anything is written (the error is then dropped, not forwarded
 * half-translated). */
static bool embedded4(const struct nat_snap *s, uint8_t *e, uint32_t elen, struct nat_look src, struct nat_look dst,
		      uint32_t *icmp_delta)
{
	if (elen < sizeof(struct rte_ipv4_hdr) || (e[0] >> 4) != 4)
		return false;
	uint32_t ihl = (e[0] & 0xfu) * 4u;
	if (ihl < sizeof(struct rte_ipv4_hdr) || ihl > elen)
		return false;
	/* the quoted packet went the other way: its source is the outer destination's kind of address */
	const struct nat_rule *rs, *rd;
	uint32_t es = gw_ld32(e + IP4_SRC), ed = gw_ld32(e + IP4_DST);
	uint32_t ns = map4(s, dst, es, &rs), nd = map4(s, src, ed, &rd);
	if (!rs && !rd)
		return true;
	uint32_t d = 0;
	if (rs)
		nat_set32(e + IP4_SRC, ns, &d);
	if (rd)
		nat_set32(e + IP4_DST, nd, &d);
	*icmp_delta += d;
	nat_csum_apply(e + IP4_CKSUM, d, icmp_delta);
	bool first = (nat_ld16(e + 6) & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0;
	uint32_t ck = l4_csum_off(e[9]);
	if (first && ck && ihl + ck + 2 <= elen) {
		if (e[9] == IPPROTO_UDP)
			nat_udp_csum_apply(e + ihl + ck, d, icmp_delta);
		else
			nat_csum_apply(e + ihl + ck, d, icmp_delta);
	}
	return true;
}

int gw_nat44_static_xlate(const struct nat_snap *s, uint8_t *h, uint32_t avail, struct nat_look src,
			  struct nat_look dst, bool icmp_embedded, uint8_t *done)
{
	*done = 0;
	const struct nat_rule *rs, *rd;
	uint32_t ns = map4(s, src, gw_ld32(h + IP4_SRC), &rs), nd = map4(s, dst, gw_ld32(h + IP4_DST), &rd);
	if (likely(!rs && !rd))
		return GW_DROP_MAX;
	uint32_t ihl = (h[0] & 0xfu) * 4u;
	bool first = (nat_ld16(h + 6) & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0;
	uint8_t proto = h[9];
	uint32_t ck = first ? l4_csum_off(proto) : 0;
	/* every check before the first write: a drop leaves nothing half-translated */
	if (ck && ihl + ck + 2 > avail)
		return GW_DROP_NAT_L4_TRUNCATED;
	bool icmp_err = icmp_embedded && first && proto == IPPROTO_ICMP && avail >= ihl + 8 && icmp4_is_error(h[ihl]);
	uint32_t d = 0;
	if (icmp_err) {
		uint32_t id = 0;
		if (!embedded4(s, h + ihl + 8, avail - ihl - 8, src, dst, &id))
			return GW_DROP_NAT_ICMP_EMBEDDED_BAD;
		nat_csum_apply(h + ihl + 2, id, NULL);
	}
	if (rs) {
		nat_set32(h + IP4_SRC, ns, &d);
		*done |= GW_NAT_SRC;
	}
	if (rd) {
		nat_set32(h + IP4_DST, nd, &d);
		*done |= GW_NAT_DST;
	}
	nat_csum_apply(h + IP4_CKSUM, d, NULL);
	if (proto == IPPROTO_UDP && ck)
		nat_udp_csum_apply(h + ihl + ck, d, NULL);
	else if (ck)
		nat_csum_apply(h + ihl + ck, d, NULL);
	return GW_DROP_MAX;
}
