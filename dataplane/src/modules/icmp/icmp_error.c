/* SPDX-License-Identifier: Apache-2.0 */
/* ICMP/ICMPv6 errors built in place from the offending packet (no allocation): the quoted original is
 * kept, new headers are prepended in the headroom. The error goes back out of the ingress port to the
 * previous hop's MAC: that neighbor just reached us, so no second lookup and no neighbor miss on the
 * error path. Rules from RFC 1812 4.3.2.7 / RFC 4443 2.4: no errors about errors, IPv4 fragments other than the
 * first, multicast/broadcast, or unspecified sources; a per-worker token bucket limits the rate. */
#include <errno.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "icmp.h"

/* Per worker: the token bucket, credit in token-nanoseconds. */
struct icmp_bucket {
	uint64_t credit, last_ns, cost, cap;
};

#define ICMP4_QUOTE_MAX (576 - 20 - 8)
#define ICMP6_QUOTE_MAX (1280 - 40 - 8)

static bool rate_allow(struct gw_worker *w, uint64_t now)
{
	struct icmp_bucket *b = w->mod[GW_MOD_icmp];
	if (now > b->last_ns) {
		uint64_t dt = now - b->last_ns;
		if (dt > 10000000000ull)
			dt = 10000000000ull;
		b->credit += dt * w->dp->p.icmp_rate;
		if (b->credit > b->cap)
			b->credit = b->cap;
		b->last_ns = now;
	}
	if (b->credit < b->cost)
		return false;
	b->credit -= b->cost;
	return true;
}

/* Cuts the packet to len bytes, also when it spans several segments. */
static void truncate_to(struct rte_mbuf *m, uint32_t len)
{
	if (rte_pktmbuf_pkt_len(m) <= len)
		return;
	struct rte_mbuf *s = m, *prev = NULL;
	uint32_t left = len;
	while (s && left >= s->data_len && s->data_len) {
		left -= s->data_len;
		prev = s;
		s = s->next;
	}
	if (s && left > 0) {
		s->data_len = (uint16_t)left;
		prev = s;
		s = s->next;
	}
	if (prev) {
		prev->next = NULL;
		if (s) {
			m->nb_segs = 0;
			for (struct rte_mbuf *t = m; t; t = t->next)
				m->nb_segs++;
			rte_pktmbuf_free(s);
		}
	}
	m->pkt_len = len;
}

static void not_sent(struct gw_worker *w, struct gw_pkt *p, enum gw_drop_reason why)
{
	rte_pktmbuf_free(p->m);
	if (unlikely(w->trace_fn != NULL)) {
		w->tr.decision = GW_DEC_DROP;
		w->tr.drop = why;
	}
}

/* What every error needs once the packet deserves one: an address of ours to send it from (counted when the
 * ingress port has none of that family) and a token from the worker's bucket (counted when out). */
static bool may_answer(struct gw_worker *w, const struct gw_pkt *p, bool has_src)
{
	if (unlikely(!has_src)) {
		gw_count(w, p->in_port, GW_DROP_ICMP_NO_SOURCE);
		return false;
	}
	if (!rate_allow(w, p->now)) {
		gw_count(w, p->in_port, GW_DROP_ICMP_RATE_LIMITED);
		return false;
	}
	return true;
}

static struct gw_icmp_overlay overlay;

int gw_icmp_overlay_register(const struct gw_icmp_overlay *o)
{
	if (!o || !o->source || !o->send)
		return -EINVAL;
	if (overlay.send && overlay.send != o->send)
		return -EEXIST;
	overlay = *o;
	return 0;
}

static struct {
	unsigned n;
	gw_icmp_untranslate_fn fn[GW_ICMP_UNTRANSLATE_MAX];
} untranslate;

int gw_icmp_untranslate_register(gw_icmp_untranslate_fn fn)
{
	if (!fn)
		return -EINVAL;
	for (unsigned i = 0; i < untranslate.n; i++)
		if (untranslate.fn[i] == fn)
			return 0;
	if (untranslate.n == GW_ICMP_UNTRANSLATE_MAX)
		return -ENOSPC;
	untranslate.fn[untranslate.n++] = fn;
	return 0;
}

/* Only packets that crossed a peering can have been translated: others pay one load and a branch. */
static inline void untranslate_pkt(struct gw_worker *w, struct gw_pkt *p)
{
	if (likely(p->md->peering == 0))
		return;
	for (unsigned i = 0; i < untranslate.n; i++)
		untranslate.fn[i](w, p);
}

static inline bool from_overlay(const struct gw_pkt *p) { return p->md->vpc != 0 && overlay.send != NULL; }

/* Hands the built error to its way out: the ingress port back to the previous hop, or the overlay's route. */
static void error_out(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t family,
		      enum gw_drop_reason why)
{
	if (from_overlay(p)) {
		p->l3 = sizeof(struct rte_ether_hdr);
		p->l2_mcast = false;
		overlay.send(w, p, out, family);
		if (unlikely(w->trace_fn != NULL) && w->tr.decision == GW_DEC_FORWARD) {
			w->tr.decision = GW_DEC_ICMP_ERROR;
			w->tr.drop = why;
		}
		return;
	}
	gw_tx(w, out, p->in_port, p->m, GW_DEC_ICMP_ERROR);
	if (unlikely(w->trace_fn != NULL))
		w->tr.drop = why;
}

static bool icmp4_is_error(const struct rte_mbuf *m, uint32_t l4)
{
	if (rte_pktmbuf_data_len(m) < l4 + 1)
		return false;
	uint8_t t = *rte_pktmbuf_mtod_offset(m, const uint8_t *, l4);
	return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}

void gw_icmp4_error(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t type, uint8_t code,
		    uint16_t mtu, enum gw_drop_reason why)
{
	struct rte_mbuf *m = p->m;
	gw_stage(w, GW_STAGE_ICMP_ERROR);
	w->cnt[p->in_port].drops[why]++;
	untranslate_pkt(w, p);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, p->l3);
	uint32_t src = rte_be_to_cpu_32(ip->src_addr), dst = rte_be_to_cpu_32(ip->dst_addr);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	if (p->l2_mcast || (dst >> 28) == 0xe || dst == 0xffffffffu || (src >> 28) == 0xe || src == 0 ||
	    src == 0xffffffffu || (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) ||
	    (ip->next_proto_id == IPPROTO_ICMP && icmp4_is_error(m, p->l3 + ihl)))
		return not_sent(w, p, why);
	uint32_t src4 = p->inp->src4;
	bool ovl = from_overlay(p);
	if (!may_answer(w, p, ovl ? overlay.source(w, p, AF_INET, &src4) : p->inp->has4))
		return not_sent(w, p, why);
	struct rte_ether_addr prev_hop = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr;
	uint32_t quote = rte_be_to_cpu_16(ip->total_length);
	if (quote > ICMP4_QUOTE_MAX)
		quote = ICMP4_QUOTE_MAX;
	rte_pktmbuf_adj(m, p->l3);
	truncate_to(m, quote);
	const uint16_t hl = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr);
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, hl);
	if (unlikely(h == NULL)) {
		gw_count(w, p->in_port, GW_DROP_NO_MBUF);
		return not_sent(w, p, why);
	}
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)h;
	eh->dst_addr = prev_hop;
	eh->src_addr = p->inp->c.mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *nip = (struct rte_ipv4_hdr *)(eh + 1);
	*nip = (struct rte_ipv4_hdr){
		.version_ihl = 0x45,
		.type_of_service = 0xc0, /* internetwork control, as routers send errors */
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*nip) + sizeof(struct rte_icmp_hdr) + quote)),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_ICMP,
		.src_addr = src4,
		.dst_addr = rte_cpu_to_be_32(src),
	};
	nip->hdr_checksum = rte_ipv4_cksum(nip);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(nip + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	ic->icmp_cksum = 0;
	ic->icmp_ident = 0;
	ic->icmp_seq_nb = rte_cpu_to_be_16(mtu); /* next-hop MTU for "fragmentation needed", 0 otherwise */
	uint16_t ck = 0;
	rte_raw_cksum_mbuf(m, hl - sizeof(*ic), sizeof(*ic) + quote, &ck);
	ic->icmp_cksum = (uint16_t)~ck;
	m->ol_flags = 0;
	error_out(w, p, out, AF_INET, why);
}

/* RFC 4443 2.4 (e.1) also holds for an ICMPv6 error behind extension headers (hop-by-hop, routing, destination
 * options, the first fragment): follow the chain to the upper layer. A non-first fragment shows no upper layer. */
static bool icmp6_is_error(const struct rte_mbuf *m, uint32_t l3)
{
	uint32_t off = l3 + sizeof(struct rte_ipv6_hdr);
	uint8_t nh = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3)->proto;
	for (int i = 0; i < 8; i++) {
		if (rte_pktmbuf_data_len(m) < off + 8)
			return false;
		const uint8_t *h = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
		if (nh == GW_IPPROTO_ICMPV6)
			return h[0] < GW_ICMP6_INFO_MIN;
		if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS) {
			off += (h[1] + 1u) * 8;
		} else if (nh == IPPROTO_FRAGMENT) {
			if ((h[2] << 8 | h[3]) & 0xfff8)
				return false;
			off += 8;
		} else {
			return false;
		}
		nh = h[0];
	}
	return false;
}

void gw_icmp6_error(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out, uint8_t type, uint8_t code,
		    uint32_t mtu, enum gw_drop_reason why)
{
	struct rte_mbuf *m = p->m;
	gw_stage(w, GW_STAGE_ICMP_ERROR);
	w->cnt[p->in_port].drops[why]++;
	untranslate_pkt(w, p);
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, p->l3);
	static const uint8_t unspec[16];
	if (p->l2_mcast || ip->dst_addr[0] == 0xff || ip->src_addr[0] == 0xff ||
	    memcmp(ip->src_addr, unspec, 16) == 0 || icmp6_is_error(m, p->l3))
		return not_sent(w, p, why);
	uint8_t src6[16];
	memcpy(src6, p->inp->src6, 16);
	bool ovl = from_overlay(p);
	if (!may_answer(w, p, ovl ? overlay.source(w, p, AF_INET6, src6) : p->inp->has6))
		return not_sent(w, p, why);
	struct rte_ether_addr prev_hop = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr;
	uint8_t orig_src[16];
	memcpy(orig_src, ip->src_addr, 16);
	uint32_t quote = sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
	if (quote > ICMP6_QUOTE_MAX)
		quote = ICMP6_QUOTE_MAX;
	rte_pktmbuf_adj(m, p->l3);
	truncate_to(m, quote);
	const uint16_t hl = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + 8;
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, hl);
	if (unlikely(h == NULL)) {
		gw_count(w, p->in_port, GW_DROP_NO_MBUF);
		return not_sent(w, p, why);
	}
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)h;
	eh->dst_addr = prev_hop;
	eh->src_addr = p->inp->c.mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *nip = (struct rte_ipv6_hdr *)(eh + 1);
	nip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	nip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
	nip->proto = GW_IPPROTO_ICMPV6;
	nip->hop_limits = 64;
	memcpy(nip->src_addr, src6, 16);
	memcpy(nip->dst_addr, orig_src, 16);
	uint8_t *ic = (uint8_t *)(nip + 1);
	ic[0] = type;
	ic[1] = code;
	ic[2] = ic[3] = 0;
	uint32_t word = rte_cpu_to_be_32(mtu); /* MTU for "packet too big", unused (0) otherwise */
	memcpy(ic + 4, &word, 4);
	/* pseudo-header + ICMPv6 message, over segments */
	uint32_t sum = rte_ipv6_phdr_cksum(nip, 0);
	uint16_t body = 0;
	rte_raw_cksum_mbuf(m, hl - 8, 8 + quote, &body);
	sum += body;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	uint16_t ck = (uint16_t)~sum;
	memcpy(ic + 2, &ck, 2);
	m->ol_flags = 0;
	error_out(w, p, out, AF_INET6, why);
}

static int icmp_worker_create(struct gw_worker *w)
{
	struct icmp_bucket *b = rte_zmalloc_socket("gw_icmp", sizeof(*b), RTE_CACHE_LINE_SIZE, w->dp->p.socket_id);
	if (!b)
		return -ENOMEM;
	b->cost = 1000000000ull;
	b->cap = (uint64_t)w->dp->p.icmp_burst * b->cost;
	b->credit = b->cap;
	w->mod[GW_MOD_icmp] = b;
	return 0;
}

static void icmp_worker_free(struct gw_worker *w) { rte_free(w->mod[GW_MOD_icmp]); }

const struct gw_module gw_module_icmp = {
	.name = "icmp", .worker_create = icmp_worker_create, .worker_free = icmp_worker_free};
