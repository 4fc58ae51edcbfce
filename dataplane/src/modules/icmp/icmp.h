/* SPDX-License-Identifier: Apache-2.0 */
/* icmp module: ICMP/ICMPv6 errors built in place from the offending packet, rate-limited per worker. */
#ifndef GW_ICMP_H
#define GW_ICMP_H

#include "packet.h"

/* ICMP (RFC 792) types and codes the pipeline sends. */
#define GW_ICMP_DEST_UNREACH 3
#define GW_ICMP_UNREACH_NET 0
#define GW_ICMP_UNREACH_HOST 1
#define GW_ICMP_UNREACH_FRAG_NEEDED 4
#define GW_ICMP_TIME_EXCEEDED 11
/* ICMPv6 (RFC 4443 2.1, 3; RFC 4861 4 for neighbor discovery). */
#define GW_IPPROTO_ICMPV6 58
#define GW_ICMP6_DEST_UNREACH 1
#define GW_ICMP6_UNREACH_NO_ROUTE 0
#define GW_ICMP6_PACKET_TOO_BIG 2
#define GW_ICMP6_TIME_EXCEEDED 3
#define GW_ICMP6_INFO_MIN 128 /* types below are errors (RFC 4443 2.1) */
#define GW_ICMP6_ND_RS 133    /* router solicitation ... */
#define GW_ICMP6_ND_REDIRECT 137 /* ... redirect: the neighbor discovery range */

/* Turns the packet into an ICMP error back to its sender (rate-limited); the packet is counted under `why`. */
void gw_icmp4_error(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t type, uint8_t code,
		    uint16_t mtu, enum gw_drop_reason why);
void gw_icmp6_error(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t type, uint8_t code,
		    uint32_t mtu, enum gw_drop_reason why);

/* Errors about a packet that came out of a tunnel (md->vpc != 0) go back into its VPC instead of out of the
 * ingress port: the decapsulating module gives their source address (false: none, counted icmp_no_source) and
 * sends the built error (Ethernet at 0, IP at 14) by a route of the source VPC. Module init only. */
struct gw_icmp_overlay {
	bool (*source)(struct gw_worker *w, const struct gw_pkt *p, uint8_t family, void *src /* 4 or 16 bytes */);
	void (*send)(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t family);
};
int gw_icmp_overlay_register(const struct gw_icmp_overlay *o);

/* Errors about a packet a NAT module translated are built after the translation: the receiver (the packet's
 * original sender) expects the quote to hold what it sent. Each registered fn (module init only, at most
 * GW_ICMP_UNTRANSLATE_MAX) is called by gw_icmp4_error/gw_icmp6_error, in registration order, before anything
 * of the packet is read; one that translated the packet (p->l3 = its IP header) restores the original header
 * fields in place (addresses, ports/ids, IP and L4 checksums) and returns true. All fns are called: static NAT
 * of the destination and masquerade of the source can both have touched one packet.
 * Returns 0, -EINVAL (NULL), -ENOSPC (full). */
#define GW_ICMP_UNTRANSLATE_MAX 4
typedef bool (*gw_icmp_untranslate_fn)(struct gw_worker *w, struct gw_pkt *p);
int gw_icmp_untranslate_register(gw_icmp_untranslate_fn fn);

#endif
