/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the table writes: the input is a sequence of operations (ports and their addresses, VRFs,
 * routes of both families, nexthops, weighted ECMP groups, neighbors) applied through the gw_dp_* calls the
 * addon makes, interleaved with packets run through the pipeline. A reference model kept here says what every
 * call must answer and what every lookup and packet must give; after each operation the fuzzer checks:
 *  - the return code is the model's (errno semantics of gw_dp.h);
 *  - the FIB (the trie the workers read) gives the model's longest-prefix match at every route's first and last
 *    address and just outside them, and the RIB walk, counts and show calls list exactly the model's entries;
 *  - each ECMP group's slot table holds only its live members (port up), each at least once, in proportion to
 *    its weights;
 *  - a packet's path (trace) is the one the model predicts: drop reason, punt port, chosen member, egress port,
 *    rewritten MACs, one neighbor-miss event per miss; a flow keeps its member;
 *  - QSBR: while a simulated reader holds the tables (worker online, not quiescent) nothing it may still read is
 *    freed or reused: group/nexthop/port objects and unlinked trie groups keep their content until it reports;
 *  - teardown returns every byte of the DPDK heap and every mbuf.
 * Each input gets a fresh dp, so a crash reproduces from its input alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "fuzz_heap.h"
#include "ip/ip.h"
#include "neigh/neigh.h"

#define N_VRFS 4
#define N_NH 16
#define N_GROUPS 8
#define N_NEIGH 64
#define N_PORTS 6 /* ports 0..5 are used; 32 stands for an out-of-range id */
#define BAD_PORT 32
#define MAX_ROUTES 24


static struct rte_mempool *mp;

/* ---- input ---- */
struct in {
	const uint8_t *d;
	size_t n, i;
};
static uint8_t u8(struct in *in) { return in->i < in->n ? in->d[in->i++] : 0; }
static uint16_t u16(struct in *in)
{
	uint16_t hi = u8(in);
	return (uint16_t)(hi << 8 | u8(in));
}

/* ---- addresses: 16 big-endian bytes, IPv4 in the first 4 ---- */
struct addr {
	uint8_t fam; /* 4 or 6 */
	uint8_t b[16];
};
static unsigned width(uint8_t fam) { return fam == 4 ? 32 : 128; }

static const uint8_t base4[8][4] = {{10, 0, 0, 0}, {10, 1, 0, 0}, {10, 1, 2, 0}, {192, 168, 0, 0},
				    {0, 0, 0, 0},  {255, 255, 255, 255}, {224, 0, 0, 1}, {10, 1, 2, 128}};
static const uint8_t base6[8][16] = {{0x20, 0x01, 0x0d, 0xb8}, {0x20, 0x01, 0x0d, 0xb8, 0, 1},
				     {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2}, {0xfe, 0x80},
				     {0},  {[0 ... 15] = 0xff}, {0xff, 0x02, [15] = 1},
				     {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, [15] = 0x80}};

/* A base address with its low `bits` bits randomised: addresses cluster, so prefixes nest and overlap. */
static struct addr pick_addr(struct in *in, uint8_t fam)
{
	struct addr a = {.fam = fam};
	uint8_t i = u8(in);
	memcpy(a.b, fam == 4 ? base4[i & 7] : base6[i & 7], fam == 4 ? 4 : 16);
	unsigned bits = u8(in) % (width(fam) + 1);
	for (unsigned bit = width(fam) - bits; bit < width(fam); bit++)
		if (u8(in) & 1)
			a.b[bit >> 3] ^= (uint8_t)(0x80u >> (bit & 7));
	return a;
}

static bool in_prefix(const struct addr *a, const uint8_t *p, uint8_t plen)
{
	for (unsigned bit = 0; bit < plen; bit++)
		if ((a->b[bit >> 3] ^ p[bit >> 3]) & (0x80u >> (bit & 7)))
			return false;
	return true;
}

static void mask(uint8_t *b, uint8_t fam, uint8_t plen)
{
	for (unsigned bit = plen; bit < width(fam); bit++)
		b[bit >> 3] &= (uint8_t)~(0x80u >> (bit & 7));
}

/* a += d (d = +1 or -1) within the family's width; false when it wraps. */
static bool step_addr(struct addr *a, int d)
{
	for (int i = (int)width(a->fam) / 8 - 1; i >= 0; i--) {
		uint8_t before = a->b[i];
		a->b[i] = (uint8_t)(before + d);
		if ((d > 0 && before != 0xff) || (d < 0 && before != 0))
			return true;
	}
	return false;
}

static struct gw_ip to_ip(const struct addr *a)
{
	struct gw_ip ip = {.family = a->fam == 4 ? AF_INET : AF_INET6};
	memcpy(a->fam == 4 ? (void *)&ip.v4 : ip.v6, a->b, a->fam == 4 ? 4 : 16);
	return ip;
}

static bool same_gwip(const struct gw_ip *a, const struct gw_ip *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET ? a->v4 == b->v4 : a->family == AF_INET6 ? !memcmp(a->v6, b->v6, 16) : true;
}

/* ---- the reference model ---- */
struct mroute {
	uint8_t b[16], plen;
	uint32_t rv;
};
struct mvrf {
	bool exists;
	struct mroute r[2][MAX_ROUTES]; /* [family 4, 6] */
	unsigned n[2];
	bool tainted[2]; /* the trie ran out of groups: a range may be half-written (documented), lookups unchecked */
};
struct mport {
	bool set;
	struct gw_port_conf c;
};
struct mgroup {
	bool set;
	unsigned n;
	uint32_t ids[GW_GROUP_MAX_MEMBERS];
	uint16_t w[GW_GROUP_MAX_MEMBERS];
};
struct mneigh {
	uint16_t port;
	struct gw_ip ip;
	struct rte_ether_addr mac;
};
struct model {
	struct mport ports[N_PORTS];
	struct mvrf vrfs[N_VRFS];
	bool nh_set[N_NH + 1];
	struct gw_nexthop nh[N_NH + 1];
	struct mgroup g[N_GROUPS + 1];
	struct mneigh ne[4 * N_NEIGH];
	unsigned n_ne;
	bool tight;
};

static struct model M;
static struct gw_dp *dp;
static struct gw_worker *w;

static unsigned fi(uint8_t fam) { return fam == 4 ? 0 : 1; }

static uint32_t m_lookup(uint32_t vrf, const struct addr *a)
{
	const struct mvrf *v = &M.vrfs[vrf];
	int best = -1;
	for (unsigned i = 0; i < v->n[fi(a->fam)]; i++) {
		const struct mroute *r = &v->r[fi(a->fam)][i];
		if (in_prefix(a, r->b, r->plen) && (best < 0 || r->plen > v->r[fi(a->fam)][best].plen))
			best = (int)i;
	}
	return best < 0 ? 0 : v->r[fi(a->fam)][best].rv;
}

static int m_route_find(uint32_t vrf, uint8_t fam, const uint8_t *b, uint8_t plen)
{
	const struct mvrf *v = &M.vrfs[vrf];
	for (unsigned i = 0; i < v->n[fi(fam)]; i++)
		if (v->r[fi(fam)][i].plen == plen && !memcmp(v->r[fi(fam)][i].b, b, 16))
			return (int)i;
	return -1;
}

static int m_neigh_find(uint16_t port, const struct gw_ip *ip)
{
	for (unsigned i = 0; i < M.n_ne; i++)
		if (M.ne[i].port == port && same_gwip(&M.ne[i].ip, ip))
			return (int)i;
	return -1;
}

/* A member is out of the slots only when its nexthop exists on a known port that is down (nexthop.c). */
static bool m_nh_live(uint32_t id)
{
	if (!M.nh_set[id])
		return true;
	uint16_t p = M.nh[id].port;
	return p >= N_PORTS || !M.ports[p].set || M.ports[p].c.up;
}

static uint64_t m_live_mask(const struct mgroup *g)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < g->n; i++)
		if (m_nh_live(g->ids[i]))
			m |= 1ull << i;
	return m;
}

/* ---- the simulated reader (QSBR) ---- */
struct held {
	const void *p;
	size_t len;
	void *copy;
	/* A trie group (path, level) is updated in place while linked: its content must stay as it was when unlinked. */
	bool trie, unlinked;
	unsigned path, level;
};
#define HELD_MAX 64
static struct {
	bool on;
	unsigned n;
	struct held h[HELD_MAX];
	/* trie paths: the groups a lookup walked, to tell unlinked groups (must keep their content) from live ones */
	unsigned neigh_dels; /* neighbor key slots deleted while holding: they stay taken until the reader reports */
	unsigned n_paths;
	struct {
		uint32_t vrf;
		struct addr a;
		unsigned depth;
		uint32_t g[16];
	} path[4];
} hold;

static struct held *hold_obj(const void *p, size_t len)
{
	if (!p || hold.n == HELD_MAX)
		return NULL;
	struct held *h = &hold.h[hold.n++];
	h->p = p;
	h->len = len;
	h->copy = malloc(len);
	memcpy(h->copy, p, len);
	return h;
}

static unsigned trie_path(uint32_t vrf, const struct addr *a, uint32_t *g)
{
	const struct gw_vrf *v = gw_ip_vrf(dp, vrf);
	const struct gw_mtrie *t = a->fam == 4 ? &v->t4 : &v->t6;
	uint32_t idx = (uint32_t)a->b[0] << 8 | a->b[1];
	unsigned byte = 2, n = 0;
	if (t->s0 == 24)
		idx = idx << 8 | a->b[byte++];
	uint32_t e = t->tbl0[idx];
	while (e & 1) {
		g[n++] = e >> 1;
		e = t->groups[(size_t)(e >> 1) * 256 + a->b[byte++]];
	}
	return n;
}

static void hold_begin(struct in *in)
{
	gw_worker_online(w); /* from here on, the worker has read nothing it reported done with */
	hold.on = true;
	struct gw_ip_tables *t = gw_ip(dp);
	for (uint32_t id = 1; id <= N_GROUPS; id++) {
		const struct gw_group_obj *g = t->groups[id];
		if (g)
			hold_obj(g, sizeof(*g) + g->n_slots * sizeof(uint32_t));
	}
	for (uint32_t id = 1; id <= N_NH; id++)
		hold_obj(t->nhs[id], sizeof(struct gw_nh_obj));
	for (unsigned p = 0; p < N_PORTS; p++)
		hold_obj(dp->ports[p], sizeof(struct gw_port_obj));
	for (unsigned k = 0; k < 4; k++) {
		uint32_t vrf = u8(in) % N_VRFS;
		uint8_t fam = u8(in) & 1 ? 6 : 4, pick = u8(in);
		const struct mvrf *mv = &M.vrfs[vrf];
		if (!mv->exists || mv->n[fi(fam)] == 0)
			continue;
		const struct mroute *r = &mv->r[fi(fam)][pick % mv->n[fi(fam)]];
		const struct gw_vrf *v = gw_ip_vrf(dp, vrf);
		const struct gw_mtrie *tr = fam == 4 ? &v->t4 : &v->t6;
		__typeof__(hold.path[0]) *ph = &hold.path[hold.n_paths++];
		ph->vrf = vrf;
		ph->a = (struct addr){.fam = fam};
		memcpy(ph->a.b, r->b, 16);
		ph->depth = trie_path(vrf, &ph->a, ph->g);
		for (unsigned d = 0; d < ph->depth; d++) {
			struct held *h = hold_obj(&tr->groups[(size_t)ph->g[d] * 256], 256 * sizeof(uint32_t));
			if (h)
				*h = (struct held){h->p, h->len, h->copy, .trie = true, .path = hold.n_paths - 1, .level = d};
		}
	}
}

/* After every step while holding: a held trie group still on its lookup path may have been updated in place (a
 * racing reader sees the old or the new entry); once off the path, it keeps the content it was unlinked with. */
static void hold_track(void)
{
	for (unsigned i = 0; i < hold.n; i++) {
		struct held *h = &hold.h[i];
		if (!h->trie || h->unlinked)
			continue;
		uint32_t now[16];
		unsigned n = trie_path(hold.path[h->path].vrf, &hold.path[h->path].a, now);
		h->unlinked = h->level >= n || now[h->level] != hold.path[h->path].g[h->level];
		memcpy(h->copy, h->p, h->len);
	}
}

/* The reader reports quiescent: until now, everything it held must have kept its content. */
static void hold_end(void)
{
	if (!hold.on)
		return;
	for (unsigned i = 0; i < hold.n; i++) {
		if (!hold.h[i].trie || hold.h[i].unlinked)
			EXPECT(!memcmp(hold.h[i].p, hold.h[i].copy, hold.h[i].len),
			       "%s %u (%zu bytes) changed or was freed before the reader's grace period ended",
			       hold.h[i].trie ? "unlinked trie group" : "object", i, hold.h[i].len);
		free(hold.h[i].copy);
	}
	memset(&hold, 0, sizeof(hold));
	gw_worker_quiescent(w);
	gw_worker_offline(w);
}

/* ---- checks after every step ---- */
struct walk {
	uint32_t vrf;
	unsigned n[2];
};

static void route_seen(void *ctx, uint32_t vrf, const struct gw_ip *prefix, uint8_t plen, const struct gw_route *r)
{
	struct walk *wk = ctx;
	uint8_t fam = prefix->family == AF_INET ? 4 : 6;
	uint8_t b[16] = {0};
	memcpy(b, fam == 4 ? (const void *)&prefix->v4 : prefix->v6, fam == 4 ? 4 : 16);
	EXPECT(vrf == wk->vrf, "walk of vrf %u gave vrf %u", wk->vrf, vrf);
	int i = m_route_find(vrf, fam, b, plen);
	EXPECT(i >= 0, "walk lists a route the model lacks (vrf %u, /%u)", vrf, plen);
	EXPECT(gw_rv_make(r->type, r->group_id) == M.vrfs[vrf].r[fi(fam)][i].rv, "walk: route value differs");
	wk->n[fi(fam)]++;
}

static unsigned neigh_walked;
static void neigh_seen(void *ctx, uint16_t port, const struct gw_ip *ip, const struct rte_ether_addr *mac)
{
	(void)ctx;
	int i = m_neigh_find(port, ip);
	EXPECT(i >= 0, "neighbor walk lists one the model lacks (port %u)", port);
	EXPECT(rte_is_same_ether_addr(mac, &M.ne[i].mac), "neighbor walk: MAC differs");
	neigh_walked++;
}

static void check_lookup(uint32_t vrf, const struct addr *a)
{
	struct gw_ip ip = to_ip(a);
	uint32_t got = gw_dp_route_lookup_value(dp, vrf, &ip), want = m_lookup(vrf, a);
	EXPECT(got == want, "FIB lookup in vrf %u gives %#x, the longest match is %#x", vrf, got, want);
}

static unsigned gcd_of(unsigned a, unsigned b) { return b ? gcd_of(b, a % b) : a; }

static void check_group(uint32_t id)
{
	const struct gw_group_obj *o = gw_ip(dp)->groups[id];
	const struct mgroup *g = &M.g[id];
	EXPECT(!o == !g->set, "group %u: present %d, model %d", id, !!o, g->set);
	if (!o)
		return;
	uint32_t ids[GW_GROUP_MAX_MEMBERS];
	uint16_t wts[GW_GROUP_MAX_MEMBERS];
	EXPECT(gw_dp_group_get(dp, id, ids, wts, GW_GROUP_MAX_MEMBERS) == (int)g->n, "group %u member count", id);
	EXPECT(!memcmp(ids, g->ids, g->n * sizeof(*ids)) && !memcmp(wts, g->w, g->n * sizeof(*wts)),
	       "group %u members differ", id);
	uint64_t live = m_live_mask(g);
	EXPECT(o->live == live, "group %u built over members %#llx, live are %#llx", id, (unsigned long long)o->live,
	       (unsigned long long)live);
	uint64_t use = live ? live : (g->n == 64 ? ~0ull : (1ull << g->n) - 1);
	/* Weight per nexthop id in use (a group may list an id twice), and the slots each id got. */
	uint64_t want[N_NH + 1] = {0}, total = 0;
	unsigned got[N_NH + 1] = {0}, gcd = 0;
	for (unsigned i = 0; i < g->n; i++)
		if (use >> i & 1) {
			want[g->ids[i]] += g->w[i];
			total += g->w[i];
			gcd = gcd_of(gcd, g->w[i]);
		}
	EXPECT(o->n_slots >= 1 && o->n_slots <= GW_GROUP_SLOTS_MAX, "group %u has %u slots", id, o->n_slots);
	for (unsigned s = 0; s < o->n_slots; s++) {
		EXPECT(o->slots[s] >= 1 && o->slots[s] <= N_NH && want[o->slots[s]], "group %u slot %u holds nexthop %u, "
		       "not a member in use", id, s, o->slots[s]);
		got[o->slots[s]]++;
	}
	for (uint32_t nh = 1; nh <= N_NH; nh++) {
		if (!want[nh])
			continue;
		EXPECT(got[nh] >= 1, "group %u: member nexthop %u has no slot", id, nh);
		if (total / gcd <= GW_GROUP_SLOTS_MAX)
			EXPECT(got[nh] * total == want[nh] * o->n_slots, "group %u: nexthop %u has %u of %u slots for "
			       "weight %llu of %llu", id, nh, got[nh], o->n_slots, (unsigned long long)want[nh],
			       (unsigned long long)total);
		else /* scaled down to the slot limit: proportional to within one slot per member */
			EXPECT(got[nh] <= want[nh] * GW_GROUP_SLOTS_MAX / total + g->n, "group %u: nexthop %u has %u slots "
			       "for weight %llu of %llu", id, nh, got[nh], (unsigned long long)want[nh],
			       (unsigned long long)total);
	}
}

static int touched_vrf = -1; /* the route table a step wrote */
static uint8_t touched_fam;

static void check_all(void)
{
	hold_track();
	for (uint32_t vrf = 0; vrf < N_VRFS; vrf++) {
		const struct mvrf *v = &M.vrfs[vrf];
		EXPECT(!gw_ip_vrf(dp, vrf) == !v->exists, "vrf %u: present %d, model %d", vrf, !!gw_ip_vrf(dp, vrf),
		       v->exists);
		if (!v->exists)
			continue;
		struct walk wk = {.vrf = vrf};
		EXPECT(gw_dp_route_walk(dp, vrf, route_seen, &wk) == 0, "walk of vrf %u failed", vrf);
		for (unsigned f = 0; f < 2; f++) {
			uint8_t fam = f ? 6 : 4;
			EXPECT(wk.n[f] == v->n[f], "vrf %u IPv%u: walk lists %u routes, model has %u", vrf, fam, wk.n[f],
			       v->n[f]);
			EXPECT(gw_dp_route_count(dp, vrf, f ? AF_INET6 : AF_INET) == v->n[f], "vrf %u IPv%u: count %u, model "
			       "%u", vrf, fam, gw_dp_route_count(dp, vrf, f ? AF_INET6 : AF_INET), v->n[f]);
			if (v->tainted[f] || touched_vrf != (int)vrf || touched_fam != fam)
				continue; /* only route writes change what lookups give */
			for (unsigned i = 0; i < v->n[f]; i++) {
				struct addr a = {.fam = fam};
				memcpy(a.b, v->r[f][i].b, 16);
				check_lookup(vrf, &a);
				if (step_addr(&a, -1))
					check_lookup(vrf, &a);
				memcpy(a.b, v->r[f][i].b, 16);
				for (unsigned bit = v->r[f][i].plen; bit < width(fam); bit++)
					a.b[bit >> 3] |= (uint8_t)(0x80u >> (bit & 7));
				check_lookup(vrf, &a);
				if (step_addr(&a, 1))
					check_lookup(vrf, &a);
			}
		}
	}
	for (uint32_t id = 1; id <= N_NH; id++) {
		struct gw_nexthop nh;
		int rc = gw_dp_nexthop_get(dp, id, &nh);
		EXPECT(rc == (M.nh_set[id] ? 0 : -ENOENT), "nexthop %u: get answers %d", id, rc);
		if (rc == 0)
			EXPECT(nh.port == M.nh[id].port && same_gwip(&nh.gw, &M.nh[id].gw), "nexthop %u differs", id);
		const struct gw_nh_obj *o = gw_ip(dp)->nhs[id];
		if (o && o->nh.gw.family) { /* the cached gateway MAC follows the neighbor table */
			int k = m_neigh_find(o->nh.port, &o->nh.gw);
			uint64_t want = 0;
			if (k >= 0) {
				want = GW_NEIGH_VALID;
				memcpy(&want, M.ne[k].mac.addr_bytes, RTE_ETHER_ADDR_LEN);
			}
			EXPECT(o->mac == want, "nexthop %u caches MAC %#llx, its gateway's is %#llx", id,
			       (unsigned long long)o->mac, (unsigned long long)want);
		}
	}
	for (uint32_t id = 1; id <= N_GROUPS; id++)
		check_group(id);
	neigh_walked = 0;
	gw_dp_neigh_walk(dp, neigh_seen, NULL);
	EXPECT(neigh_walked == M.n_ne, "neighbor walk lists %u, model has %u", neigh_walked, M.n_ne);
	for (uint16_t p = 0; p < N_PORTS; p++) {
		struct gw_port_conf c;
		int rc = gw_dp_port_get(dp, p, &c);
		EXPECT(rc == (M.ports[p].set ? 0 : -ENOENT), "port %u: get answers %d", p, rc);
		if (rc == 0)
			EXPECT(c.up == M.ports[p].c.up && c.vrf == M.ports[p].c.vrf && c.mtu == M.ports[p].c.mtu &&
			       c.is_punt == M.ports[p].c.is_punt && c.punt_port == M.ports[p].c.punt_port,
			       "port %u conf differs", p);
	}
}

/* ---- operations ---- */
static uint16_t pick_port(struct in *in)
{
	uint8_t b = u8(in) % (N_PORTS + 1);
	return b == N_PORTS ? BAD_PORT : b;
}

static void op_port_set(struct in *in)
{
	uint16_t id = pick_port(in);
	uint8_t f = u8(in);
	struct gw_port_conf c = {.mac = {{2, 0, 0, 0, 0, (uint8_t)id}}, .up = f & 1, .is_punt = f >> 1 & 1,
				 .vrf = (f >> 2) % (N_VRFS + 1), .mtu = (uint16_t)(60 + u8(in) * 8)};
	uint8_t pp = u8(in) % 4;
	c.punt_port = pp == 0 ? GW_PORT_NONE : pp == 1 ? 40 : (uint16_t)(u8(in) % N_PORTS);
	int want = id >= GW_MAX_PORTS || c.vrf >= N_VRFS || c.mtu < 68 || pp == 1 ? -EINVAL : 0;
	int rc = gw_dp_port_set(dp, id, &c);
	EXPECT(rc == want, "port_set(%u) answers %d, want %d", id, rc, want);
	if (rc == 0) {
		M.ports[id].set = true;
		M.ports[id].c = c;
	}
}

static void op_port_del(struct in *in)
{
	uint16_t id = pick_port(in);
	int want = id >= GW_MAX_PORTS ? -EINVAL : M.ports[id].set ? 0 : -ENOENT;
	int rc = gw_dp_port_del(dp, id);
	EXPECT(rc == want, "port_del(%u) answers %d, want %d", id, rc, want);
	if (rc == 0)
		M.ports[id].set = false;
}

static void op_port_addr(struct in *in)
{
	uint16_t id = pick_port(in);
	uint8_t f = u8(in) % 4;
	struct gw_ip ip = {0};
	if (f < 2) {
		struct addr a = pick_addr(in, f ? 6 : 4);
		ip = to_ip(&a);
	} else if (f == 3) {
		ip.family = 7;
	}
	int want = id >= GW_MAX_PORTS || (id < N_PORTS && M.ports[id].set && f == 3) ? -EINVAL
		   : !M.ports[id].set ? -ENOENT : 0;
	int rc = gw_dp_port_addr_set(dp, id, &ip);
	EXPECT(rc == want, "port_addr_set(%u) answers %d, want %d", id, rc, want);
}

static void op_vrf(struct in *in, bool add)
{
	uint32_t vrf = u8(in) % (N_VRFS + 1);
	int want;
	if (add)
		want = vrf >= N_VRFS ? -EINVAL : M.vrfs[vrf].exists ? -EEXIST : 0;
	else
		want = vrf >= N_VRFS || vrf == 0 ? -EINVAL : !M.vrfs[vrf].exists ? -ENOENT : 0;
	int rc = add ? gw_dp_vrf_add(dp, vrf) : gw_dp_vrf_del(dp, vrf);
	EXPECT(rc == want, "vrf_%s(%u) answers %d, want %d", add ? "add" : "del", vrf, rc, want);
	if (rc == 0)
		M.vrfs[vrf] = (struct mvrf){.exists = add};
}

static void op_nh_set(struct in *in)
{
	uint32_t id = u8(in) % (N_NH + 2);
	struct gw_nexthop nh = {.port = pick_port(in)};
	uint8_t f = u8(in) % 4;
	if (f == 1 || f == 2) {
		struct addr a = pick_addr(in, f == 1 ? 4 : 6);
		nh.gw = to_ip(&a);
	} else if (f == 3) {
		nh.gw.family = 9;
	}
	int want = id == 0 || id > N_NH || nh.port >= GW_MAX_PORTS || f == 3 ? -EINVAL : 0;
	int rc = gw_dp_nexthop_set(dp, id, &nh);
	EXPECT(rc == want, "nexthop_set(%u) answers %d, want %d", id, rc, want);
	if (rc == 0) {
		M.nh_set[id] = true;
		M.nh[id] = nh;
	}
}

static void op_nh_del(struct in *in)
{
	uint32_t id = u8(in) % (N_NH + 2);
	int want = id == 0 || id > N_NH ? -EINVAL : M.nh_set[id] ? 0 : -ENOENT;
	int rc = gw_dp_nexthop_del(dp, id);
	EXPECT(rc == want, "nexthop_del(%u) answers %d, want %d", id, rc, want);
	if (rc == 0)
		M.nh_set[id] = false;
}

static void op_group_set(struct in *in)
{
	uint32_t id = u8(in) % (N_GROUPS + 2);
	uint8_t nb = u8(in);
	unsigned n = nb == 0xff ? GW_GROUP_MAX_MEMBERS + 1 : nb == 0xfe ? GW_GROUP_MAX_MEMBERS : nb % 6;
	uint32_t ids[GW_GROUP_MAX_MEMBERS + 1];
	uint16_t wts[GW_GROUP_MAX_MEMBERS + 1];
	int want = id == 0 || id > N_GROUPS || n == 0 || n > GW_GROUP_MAX_MEMBERS ? -EINVAL : 0;
	for (unsigned i = 0; i < n; i++) {
		ids[i] = u8(in) % (N_NH + 2);
		uint8_t wb = u8(in);
		wts[i] = wb < 0xf0 ? wb % 8 : wb == 0xff ? 0xffff : (uint16_t)(u16(in) | 1);
		if (want == 0 && (ids[i] == 0 || ids[i] > N_NH || wts[i] == 0))
			want = -EINVAL;
		else if (want == 0 && !M.nh_set[ids[i]])
			want = -ENOENT;
	}
	int rc = gw_dp_group_set(dp, id, ids, wts, n);
	EXPECT(rc == want, "group_set(%u, %u members) answers %d, want %d", id, n, rc, want);
	if (rc == 0) {
		M.g[id] = (struct mgroup){.set = true, .n = n};
		memcpy(M.g[id].ids, ids, n * sizeof(*ids));
		memcpy(M.g[id].w, wts, n * sizeof(*wts));
	}
}

static void op_group_del(struct in *in)
{
	uint32_t id = u8(in) % (N_GROUPS + 2);
	int want = id == 0 || id > N_GROUPS ? -EINVAL : M.g[id].set ? 0 : -ENOENT;
	int rc = gw_dp_group_del(dp, id);
	EXPECT(rc == want, "group_del(%u) answers %d, want %d", id, rc, want);
	if (rc == 0)
		M.g[id].set = false;
}

/* While the reader holds, a write that would have to wait for it (a trie short of free groups) first lets it
 * report: a single thread cannot wait for itself. */
static void release_if_short(uint32_t vrf, uint8_t fam)
{
	const struct gw_vrf *v = vrf < N_VRFS ? gw_ip_vrf(dp, vrf) : NULL;
	if (!hold.on || !v)
		return;
	const struct gw_mtrie *t = fam == 4 ? &v->t4 : &v->t6;
	if (t->n_free < gw_mtrie_reserve(t) * (M.vrfs[vrf].n[fi(fam)] + 2))
		hold_end();
}

static void op_route(struct in *in, bool add)
{
	uint32_t vrf = u8(in) % (N_VRFS + 1);
	uint8_t fb = u8(in), fam = fb & 1 ? 6 : 4;
	struct addr a = pick_addr(in, fam);
	uint8_t plen = (uint8_t)(u8(in) % (width(fam) + 2)); /* one past the family's maximum */
	struct gw_route r = {.type = (enum gw_route_type)(u8(in) % 6), .group_id = u8(in) % (N_GROUPS + 2)};
	struct gw_ip ip = to_ip(&a);
	if (fb == 0xff)
		ip.family = 0;
	release_if_short(vrf, fam);
	touched_vrf = (int)vrf;
	touched_fam = fam;
	int want = 0;
	uint32_t rv = 0;
	if (vrf >= N_VRFS)
		want = -EINVAL;
	else if (!M.vrfs[vrf].exists)
		want = -ENOENT;
	else if (add && r.type == GW_ROUTE_UNICAST && (r.group_id == 0 || r.group_id > N_GROUPS))
		want = -EINVAL;
	else if (add && r.type == GW_ROUTE_UNICAST && !M.g[r.group_id].set)
		want = -ENOENT;
	else if (add && (r.type < GW_ROUTE_UNICAST || r.type > GW_ROUTE_LOCAL))
		want = -EINVAL;
	else if (ip.family == 0 || plen > width(fam))
		want = -EINVAL;
	int at = -1;
	if (want == 0) {
		rv = gw_rv_make(r.type, r.type == GW_ROUTE_UNICAST ? r.group_id : 0);
		mask(a.b, fam, plen);
		at = m_route_find(vrf, fam, a.b, plen);
		if (!add && at < 0)
			want = -ENOENT;
		else if (add && at < 0 && M.vrfs[vrf].n[fi(fam)] >= MAX_ROUTES)
			want = -ENOSPC;
	}
	int rc = add ? gw_dp_route_add(dp, vrf, &ip, plen, &r) : gw_dp_route_del(dp, vrf, &ip, plen);
	struct mvrf *v = vrf < N_VRFS ? &M.vrfs[vrf] : NULL;
	if (rc == -ENOSPC && want == 0) {
		/* The trie ran out of groups (only with the tight pools): the RIB took the change, the trie may not. */
		EXPECT(M.tight, "route_%s: the trie ran out of groups with pools sized for the route limit",
		       add ? "add" : "del");
		v->tainted[fi(fam)] = true;
	} else {
		EXPECT(rc == want, "route_%s(vrf %u, IPv%u /%u, type %d, group %u) answers %d, want %d",
		       add ? "add" : "del", vrf, fam, plen, r.type, r.group_id, rc, want);
	}
	if (rc != 0 && !(rc == -ENOSPC && want == 0))
		return;
	struct mroute *rs = v->r[fi(fam)];
	if (add && at >= 0) {
		rs[at].rv = rv;
	} else if (add) {
		rs[v->n[fi(fam)]] = (struct mroute){.plen = plen, .rv = rv};
		memcpy(rs[v->n[fi(fam)]++].b, a.b, 16);
	} else {
		rs[at] = rs[--v->n[fi(fam)]];
	}
}

static void op_neigh(struct in *in, bool set)
{
	uint16_t port = pick_port(in);
	uint8_t f = u8(in);
	struct addr a = pick_addr(in, f & 1 ? 6 : 4);
	struct gw_ip ip = to_ip(&a);
	if (f == 0xff)
		ip.family = 0;
	struct rte_ether_addr mac = {{2, 0xee, u8(in), 0, 0, (uint8_t)port}};
	mac.addr_bytes[3] = u8(in);
	int k = m_neigh_find(port, &ip);
	/* An add that finds the key store full waits for the grace period of deleted slots: let the reader report
	 * first when the held slots could fill it. */
	if (set && hold.on && M.n_ne + hold.neigh_dels + 1 >= N_NEIGH / 2)
		hold_end();
	int want = port >= GW_MAX_PORTS || ip.family == 0 ? -EINVAL : set || k >= 0 ? 0 : -ENOENT;
	int rc = set ? gw_dp_neigh_set(dp, port, &ip, &mac) : gw_dp_neigh_del(dp, port, &ip);
	if (set && rc == -ENOSPC && k < 0)
		/* A cuckoo hash may refuse before it is full, not while at most half of it is in use. */
		EXPECT(M.n_ne >= N_NEIGH / 2, "neigh_set refused (table full) with %u of %u entries in use", M.n_ne,
		       N_NEIGH);
	else
		EXPECT(rc == want, "neigh_%s(port %u) answers %d, want %d", set ? "set" : "del", port, rc, want);
	if (rc != 0)
		return;
	if (!set) {
		M.ne[k] = M.ne[--M.n_ne];
		hold.neigh_dels += hold.on;
	}
	else if (k >= 0)
		M.ne[k].mac = mac;
	else
		M.ne[M.n_ne++] = (struct mneigh){.port = port, .ip = ip, .mac = mac};
}

/* ---- packets ---- */
static struct gw_trace last;
static void on_trace(void *ctx, const struct gw_trace *t)
{
	(void)ctx;
	last = *t;
}

static uint16_t ip_cksum(const uint8_t *h)
{
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One UDP packet (DF, small: below every MTU) to dst on in_port; returns the trace, frees what came out. */
static struct gw_trace send_pkt(uint16_t in_port, const struct addr *dst, uint16_t sport, uint8_t ttl,
				struct rte_ether_addr *out_dst, struct rte_ether_addr *out_src)
{
	static uint64_t now;
	static struct gw_burst_out out;
	uint8_t f[14 + 40 + 12] = {0, 0, 0, 0, 0, 0, 2, 0xaa, 0, 0, 0, 1};
	if (in_port < N_PORTS && M.ports[in_port].set)
		memcpy(f, M.ports[in_port].c.mac.addr_bytes, 6);
	uint8_t *l3 = f + 14;
	size_t len;
	if (dst->fam == 4) {
		f[12] = 0x08;
		uint8_t h[28] = {0x45, 0, 0, 32, 0, 1, 0x40, 0, ttl, 17, 0, 0, 198, 51, 100, 1};
		memcpy(h + 16, dst->b, 4);
		uint16_t c = ip_cksum(h);
		h[10] = (uint8_t)(c >> 8);
		h[11] = (uint8_t)c;
		h[20] = (uint8_t)(sport >> 8);
		h[21] = (uint8_t)sport;
		h[22] = 0x12;
		h[25] = 12;
		memcpy(l3, h, sizeof(h));
		len = 14 + 32;
	} else {
		f[12] = 0x86;
		f[13] = 0xdd;
		uint8_t h[48] = {0x60, 0, (uint8_t)(sport >> 8), (uint8_t)sport, 0, 12, 17, ttl, 0x20, 0x01, 0x0d, 0xb8,
				 0xff, 0xff, [23] = 1};
		memcpy(h + 24, dst->b, 16);
		h[40] = (uint8_t)(sport >> 8);
		h[41] = (uint8_t)sport;
		h[45] = 12;
		memcpy(l3, h, sizeof(h));
		len = 14 + 52;
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	EXPECT(m != NULL, "mbuf pool empty");
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	memset(out.n, 0, sizeof(out.n));
	now += 1000000000ull; /* a second apart: neighbor-miss events are never deduplicated */
	if (!hold.on)
		gw_worker_online(w);
	gw_pipeline_process(w, in_port, &m, 1, now, &out);
	if (!hold.on) {
		gw_worker_quiescent(w);
		gw_worker_offline(w);
	}
	unsigned n_out = 0;
	for (unsigned p = 0; p < GW_MAX_PORTS; p++)
		for (unsigned k = 0; k < out.n[p]; k++) {
			struct rte_ether_hdr *eh = rte_pktmbuf_mtod(out.pkts[p][k], struct rte_ether_hdr *);
			*out_dst = eh->dst_addr;
			*out_src = eh->src_addr;
			rte_pktmbuf_free(out.pkts[p][k]);
			n_out++;
		}
	EXPECT(n_out == (last.decision != GW_DEC_DROP), "%u packets out for decision %d", n_out, last.decision);
	EXPECT(rte_mempool_in_use_count(mp) == 0, "an mbuf was neither sent nor freed");
	return last;
}

static void expect_drop(const struct gw_trace *t, enum gw_drop_reason r)
{
	EXPECT(t->drop == r, "packet: reason %s, want %s (decision %d)", gw_drop_reason_name(t->drop),
	       gw_drop_reason_name(r), t->decision);
	/* ICMP errors keep the triggering packet's reason whether the error was sent or not */
	EXPECT(t->decision == GW_DEC_DROP || ((r == GW_DROP_NO_ROUTE || r == GW_DROP_REJECT ||
					       r == GW_DROP_TTL_EXCEEDED) && t->decision == GW_DEC_ICMP_ERROR),
	       "packet: decision %d for reason %s", t->decision, gw_drop_reason_name(r));
}

static void expect_punt(const struct gw_trace *t, uint16_t to)
{
	if (to >= GW_MAX_PORTS)
		return expect_drop(t, GW_DROP_PUNT_NO_TAP);
	EXPECT(t->decision == GW_DEC_PUNT && t->out_port == to, "packet: decision %d to port %u, want a punt to %u",
	       t->decision, t->out_port, to);
}

static void expect_events(const struct gw_ip *miss, uint16_t port)
{
	struct gw_event ev[4];
	unsigned n = gw_dp_events_poll(dp, ev, 4);
	EXPECT(n == (miss != NULL), "%u events after a packet, want %u", n, miss != NULL);
	if (miss)
		EXPECT(ev[0].type == GW_EV_NEIGH_MISS && ev[0].port == port && same_gwip(&ev[0].ip, miss),
		       "the neighbor-miss event names another neighbor");
}

static void op_packet(struct in *in)
{
	uint16_t in_port = u8(in) % N_PORTS;
	uint8_t f = u8(in);
	struct addr dst = pick_addr(in, f & 1 ? 6 : 4);
	uint16_t sport = u16(in);
	uint8_t ttl = f & 2 ? 1 : 64;
	struct rte_ether_addr od, os;
	struct gw_trace t = send_pkt(in_port, &dst, sport, ttl, &od, &os);
	const struct mport *ip_ = &M.ports[in_port];
	const struct gw_ip *miss = NULL;
	struct gw_ip miss_ip;
	uint16_t miss_port = 0;
	if (!ip_->set) {
		expect_drop(&t, GW_DROP_PORT_UNKNOWN);
	} else if (ip_->c.is_punt) {
		expect_punt(&t, ip_->c.punt_port);
	} else if (!ip_->c.up) {
		expect_drop(&t, GW_DROP_PORT_DOWN);
	} else if (dst.fam == 4 ? (dst.b[0] >> 4 == 0xe || !memcmp(dst.b, base4[5], 4))
				: (dst.b[0] == 0xff || (dst.b[0] == 0xfe && (dst.b[1] & 0xc0) == 0x80))) {
		expect_punt(&t, ip_->c.punt_port); /* multicast, broadcast, link-local: for the kernel */
	} else if (!M.vrfs[ip_->c.vrf].exists) {
		expect_drop(&t, GW_DROP_VRF_UNKNOWN);
	} else if (!M.vrfs[ip_->c.vrf].tainted[fi(dst.fam)]) {
		uint32_t rv = m_lookup(ip_->c.vrf, &dst);
		switch (gw_rv_type(rv)) {
		case GW_ROUTE_LOCAL:
			expect_punt(&t, ip_->c.punt_port);
			break;
		case GW_ROUTE_BLACKHOLE:
			expect_drop(&t, GW_DROP_BLACKHOLE);
			break;
		case GW_ROUTE_REJECT:
			expect_drop(&t, GW_DROP_REJECT);
			break;
		case GW_ROUTE_UNICAST: {
			const struct mgroup *g = &M.g[gw_rv_group(rv)];
			if (ttl <= 1) {
				expect_drop(&t, GW_DROP_TTL_EXCEEDED);
				break;
			}
			if (!g->set) {
				expect_drop(&t, GW_DROP_NEXTHOP_INVALID);
				break;
			}
			uint64_t use = m_live_mask(g);
			bool member = false;
			for (unsigned i = 0; i < g->n; i++)
				if ((!use || use >> i & 1) && g->ids[i] == t.nexthop)
					member = true;
			EXPECT(member, "ECMP chose nexthop %u, not a live member of group %u", t.nexthop, gw_rv_group(rv));
			if (!M.nh_set[t.nexthop]) {
				expect_drop(&t, GW_DROP_NEXTHOP_INVALID);
				break;
			}
			const struct gw_nexthop *nh = &M.nh[t.nexthop];
			const struct mport *ep = nh->port < N_PORTS ? &M.ports[nh->port] : NULL;
			if (!ep || !ep->set || !ep->c.up) {
				expect_drop(&t, GW_DROP_PORT_DOWN);
				break;
			}
			miss_ip = nh->gw.family ? nh->gw : to_ip(&dst);
			int k = m_neigh_find(nh->port, &miss_ip);
			if (k < 0) {
				expect_drop(&t, GW_DROP_NEIGH_MISS);
				miss = &miss_ip;
				miss_port = nh->port;
				break;
			}
			EXPECT(t.decision == GW_DEC_FORWARD && t.out_port == nh->port, "packet: decision %d to port %u, "
			       "want forwarded to %u", t.decision, t.out_port, nh->port);
			EXPECT(rte_is_same_ether_addr(&od, &M.ne[k].mac) && rte_is_same_ether_addr(&os, &ep->c.mac),
			       "forwarded frame: wrong MAC addresses");
			/* the same flow again takes the same member */
			uint32_t first = t.nexthop;
			struct gw_trace t2 = send_pkt(in_port, &dst, sport, ttl, &od, &os);
			EXPECT(t2.nexthop == first, "a flow moved from nexthop %u to %u with the group unchanged", first,
			       t2.nexthop);
			break;
		}
		default:
			expect_drop(&t, GW_DROP_NO_ROUTE);
		}
	}
	expect_events(miss, miss_port);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mp = fuzz_eal_init("fuzz_tables", 255);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	struct in in = {data, size, 0};
	uint8_t cfg = u8(&in);
	memset(&M, 0, sizeof(M));
	M.tight = cfg & 1;
	step = 0;
	size_t heap0 = fuzz_heap_in_use();
	/* Pools sized for the route limit (24 routes: IPv4 2 levels, IPv6 14 levels each), or tight ones that run
	 * out (the documented -ENOSPC path). */
	struct gw_dp_params p = {.max_vrfs = N_VRFS, .max_routes4 = MAX_ROUTES, .max_routes6 = MAX_ROUTES,
				 .max_nexthops = N_NH, .max_groups = N_GROUPS, .max_neighbors = N_NEIGH,
				 .n_workers = 1, .icmp_rate = 1000000, .icmp_burst = 1000000,
				 .trie_groups4 = M.tight ? 4 : 256, .trie_groups6 = M.tight ? 12 : 1024};
	dp = gw_dp_create(&p);
	w = dp ? gw_worker_create(dp, 0) : NULL;
	if (!dp || !w)
		abort();
	gw_worker_set_trace(w, on_trace, NULL);
	M.vrfs[0].exists = true;
	while (in.i < in.n) {
		step++;
		uint8_t op = u8(&in) % 17;
		switch (op) {
		case 0: op_port_set(&in); break;
		case 1: op_port_del(&in); break;
		case 2: op_port_addr(&in); break;
		case 3: op_vrf(&in, true); break;
		case 4:
			hold_end(); /* a VRF delete waits for readers */
			op_vrf(&in, false);
			break;
		case 5: op_nh_set(&in); break;
		case 6: op_nh_del(&in); break;
		case 7: op_group_set(&in); break;
		case 8: op_group_del(&in); break;
		case 9: case 10: op_route(&in, true); break;
		case 11: op_route(&in, false); break;
		case 12: op_neigh(&in, true); break;
		case 13: op_neigh(&in, false); break;
		case 14: case 15: op_packet(&in); break;
		case 16:
			if (hold.on)
				hold_end();
			else
				hold_begin(&in);
			break;
		}
		check_all();
		touched_vrf = -1;
	}
	hold_end();
	gw_worker_free(w);
	gw_dp_free(dp);
	EXPECT(fuzz_heap_in_use() == heap0, "teardown left %zd bytes of the DPDK heap allocated", fuzz_heap_in_use() - heap0);
	return 0;
}
