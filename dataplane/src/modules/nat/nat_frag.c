/* SPDX-License-Identifier: Apache-2.0 */
/* Later fragments of stateful flows follow their first fragment's translation (gw_nat_frag.h). The table is per
 * worker (no sharing, no atomics): a set-associative array of GW_NAT_FRAG_BUCKETS x GW_NAT_FRAG_WAYS records,
 * a new record taking an expired way or else the oldest, so memory is fixed and a flood of first fragments
 * only shortens how long records live. The filter (GW_PRE_ROUTING, after static NAT, before napt) costs packets
 * that are not later fragments of a peering one branch on the fragment bits. */
#include <rte_ip.h>
#include <rte_malloc.h>

#include "gw_nat_frag.h"
#include "nat.h"
#include "nat_csum.h"

#define IPPROTO_FRAG6 44

struct frag_key {
	uint8_t src[16], dst[16];
	uint32_t vpc, id;
	uint8_t proto, v6, pad[2];
};
struct frag_rec {
	struct frag_key k;
	uint8_t nsrc[16], ndst[16];
	uint32_t session;
	uint64_t expires;
};
struct nat_frag_tbl {
	struct frag_rec r[GW_NAT_FRAG_BUCKETS][GW_NAT_FRAG_WAYS];
};

static inline struct nat_frag_tbl *tbl(struct gw_worker *w) { return ((struct nat_wcnt *)w->mod[GW_MOD_nat])->frag; }

/* The fragment fields of the packet at l3: false when it is not a fragment. */
static bool frag_of(const struct gw_pkt *p, struct frag_key *k, bool *first, bool *more)
{
	const uint8_t *h = rte_pktmbuf_mtod_offset(p->m, const uint8_t *, p->l3);
	memset(k, 0, sizeof(*k));
	k->vpc = p->md->vpc;
	if ((h[0] >> 4) == 4) {
		uint16_t f = rte_be_to_cpu_16(nat_ld16(h + 6));
		if ((f & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) == 0)
			return false;
		*first = (f & RTE_IPV4_HDR_OFFSET_MASK) == 0;
		*more = f & RTE_IPV4_HDR_MF_FLAG;
		memcpy(k->src, h + 12, 4);
		memcpy(k->dst, h + 16, 4);
		k->id = nat_ld16(h + 4);
		k->proto = h[9];
		return true;
	}
	if (h[6] != IPPROTO_FRAG6 || rte_pktmbuf_data_len(p->m) < p->l3 + 48u)
		return false;
	const uint8_t *fh = h + 40;
	uint16_t f = (uint16_t)(fh[2] << 8 | fh[3]);
	*first = (f & 0xfff8) == 0;
	*more = f & 1;
	k->v6 = 1;
	memcpy(k->src, h + 8, 16);
	memcpy(k->dst, h + 24, 16);
	memcpy(&k->id, fh + 4, 4);
	k->proto = fh[0];
	return true;
}

static inline struct frag_rec *bucket(struct nat_frag_tbl *t, const struct frag_key *k)
{
	uint32_t h = rte_hash_crc(k, sizeof(*k), 0);
	return t->r[h % GW_NAT_FRAG_BUCKETS];
}

bool gw_nat_frag_is_later(const struct gw_pkt *p)
{
	struct frag_key k;
	bool first, more;
	return frag_of(p, &k, &first, &more) && !first;
}

void gw_nat_frag_note(struct gw_worker *w, const struct gw_pkt *p, const uint8_t *orig_src, const uint8_t *orig_dst)
{
	struct frag_key k;
	bool first, more;
	if (!frag_of(p, &k, &first, &more) || !first || !more)
		return;
	const uint8_t *h = rte_pktmbuf_mtod_offset(p->m, const uint8_t *, p->l3);
	unsigned alen = k.v6 ? 16 : 4;
	struct frag_rec nr = {.k = k, .session = p->md->session, .expires = p->now + GW_NAT_FRAG_LIFETIME_NS};
	memcpy(nr.nsrc, h + (k.v6 ? 8 : 12), alen);
	memcpy(nr.ndst, h + (k.v6 ? 24 : 16), alen);
	memcpy(nr.k.src, orig_src, alen);
	memcpy(nr.k.dst, orig_dst, alen);
	struct frag_rec *b = bucket(tbl(w), &nr.k), *slot = &b[0];
	for (unsigned i = 0; i < GW_NAT_FRAG_WAYS; i++) {
		if (b[i].expires <= p->now || memcmp(&b[i].k, &nr.k, sizeof(nr.k)) == 0) {
			slot = &b[i];
			break;
		}
		if (b[i].expires < slot->expires)
			slot = &b[i];
	}
	*slot = nr;
}

void gw_nat_frag_drop_unfollowed(struct gw_worker *w, struct gw_pkt *p) { gw_drop(w, p, GW_DROP_NAT_FRAG_NO_STATE); }

/* The filter: a later fragment with a record gets its first fragment's addresses (IPv4 header checksum
 * updated) and session; the last one (no MF) ends the record. Without a record it goes on untouched (napt decides
 * whether it needed one). */
bool gw_nat_frag_follow(struct gw_worker *w, struct gw_pkt *p, struct gw_burst_out *out)
{
	(void)out;
	if (likely(p->md->peering == 0))
		return false;
	struct frag_key k;
	bool first, more;
	if (likely(!frag_of(p, &k, &first, &more)) || first)
		return false;
	struct frag_rec *b = bucket(tbl(w), &k), *r = NULL;
	for (unsigned i = 0; i < GW_NAT_FRAG_WAYS && !r; i++)
		if (b[i].expires > p->now && memcmp(&b[i].k, &k, sizeof(k)) == 0)
			r = &b[i];
	if (!r)
		return false;
	gw_stage(w, GW_STAGE_NAT_FRAG);
	uint8_t *h = rte_pktmbuf_mtod_offset(p->m, uint8_t *, p->l3);
	if (k.v6) {
		memcpy(h + 8, r->nsrc, 16);
		memcpy(h + 24, r->ndst, 16);
	} else {
		uint32_t d = 0, s4, d4;
		memcpy(&s4, r->nsrc, 4);
		memcpy(&d4, r->ndst, 4);
		nat_set32(h + 12, s4, &d);
		nat_set32(h + 16, d4, &d);
		nat_csum_apply(h + 10, d, NULL);
	}
	p->md->session = r->session;
	/* kept after the last fragment too: fragments may arrive in any order; the record ages out */
	(void)more;
	r->expires = p->now + GW_NAT_FRAG_LIFETIME_NS;
	return false;
}

int gw_nat_frag_worker_create(struct gw_worker *w, struct nat_wcnt *c)
{
	c->frag = rte_zmalloc_socket("gw_nat_frag", sizeof(struct nat_frag_tbl), RTE_CACHE_LINE_SIZE, w->dp->p.socket_id);
	return c->frag ? 0 : -ENOMEM;
}

void gw_nat_frag_worker_free(struct nat_wcnt *c)
{
	rte_free(c->frag);
	c->frag = NULL;
}
