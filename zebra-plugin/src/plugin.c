// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpc-gateway zebra dataplane provider (FRR 8.4): streams zebra's FIB operations to the vpc-gateway agent
 * over ZeroMQ (ipc://, msgpack, layout in wire/schema.yaml) and completes each zebra context only when the
 * agent answered for it, so a route the dataplane refuses shows rejected in zebra and bgpd (with
 * `bgp suppress-fib-pending`) does not advertise it.
 *
 * Threads: process() runs on zebra's dplane pthread and only moves contexts into the outbox (never waits);
 * one I/O pthread owns the ZeroMQ sockets, encodes, sends, reads results and hands completed contexts back;
 * the state replay on (re)connect walks the RIB on zebra's main thread, which owns the RIB.
 *
 * Load: zebra -M /abs/path/gw_zebra_plugin.so:endpoint=ipc:///run/x.sock[,kernel=1][,max-inflight=N]
 *       [,batch=N][,batch-wait=US][,sync-delay=MS]
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "lib/zebra.h"
#include "lib/libfrr.h"
#include "lib/module.h"
#include "lib/version.h"
#include "lib/frrcu.h"
#include "lib/nexthop.h"
#include "lib/nexthop_group.h"
#include "lib/srcdest_table.h"
#include "zebra/zebra_dplane.h"
#include "zebra/zebra_router.h"
#include "zebra/rib.h"
#include "zebra/debug.h"
#include "zebra/zebra_vrf.h"
#include "zebra/zebra_evpn.h"
#include "zebra/zebra_evpn_mac.h"
#include "zebra/zebra_evpn_neigh.h"
#include "zebra/zebra_vxlan_private.h"

#include "encode.h"
#include "ops.h"

#define GW_LOG "gw-plugin: "

/* An outbox entry: a zebra context waiting to be sent, or a pre-encoded chunk of replayed ops. */
struct gw_chunk {
	uint32_t count; /* ops in data */
	bool sync_end;	/* marker: the replay is complete */
	msgpack_sbuffer buf;
};

struct gw_item {
	struct gw_item *next;
	struct zebra_dplane_ctx *ctx;
	struct gw_chunk *chunk;
	uint64_t at_us; /* when it entered the outbox (batching) */
};

/* A sent BATCH waiting for its RESULT. ctxs[i] is NULL for replayed ops (no zebra context to complete). */
struct gw_sent {
	struct gw_sent *next;
	uint32_t seq;
	uint32_t n;
	struct zebra_dplane_ctx **ctxs;
};

static struct {
	/* args */
	char endpoint[256];
	bool kernel;
	uint32_t max_inflight;
	uint32_t batch;
	uint32_t sync_delay_ms;
	uint32_t batch_wait_us;

	struct zebra_dplane_provider *prov;
	char instance[96];

	/* Shared between the dplane thread (producer), main thread (replay) and I/O thread (consumer). */
	pthread_mutex_t mu;
	struct gw_item *head, *tail;
	atomic_uint inflight; /* contexts taken from zebra and not yet returned */
	int wake_fd;
	atomic_bool stop;

	/* I/O thread only. */
	pthread_t io;
	bool io_started;
	void *zctx, *sock, *mon;
	bool connected, session, first_session_done;
	bool send_blocked; /* the last send hit the high-water mark: wait for POLLOUT */
	uint32_t epoch, seq, op_id;
	struct timespec last_hello;
	uint32_t hello_seq; /* seq of the newest HELLO: only its answer opens a session */
	struct gw_sent *sent_head, *sent_tail;
	uint64_t failed_ops;
	uint64_t unknown_ops; /* contexts refused because their op has no wire op */
	uint64_t refused_hellos;

	/* Main thread only (walk_light: written by the I/O thread before it schedules the walk). */
	atomic_bool walk_light;
	struct thread *t_walk;
	uint32_t walk_epoch;
} G = {
	.max_inflight = 20000,
	.batch = 1024,
	.sync_delay_ms = 5000,
	.batch_wait_us = 2000,
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.wake_fd = -1,
};

static void wake_io(void)
{
	uint64_t one = 1;

	if (write(G.wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		zlog_warn(GW_LOG "wake: %s", strerror(errno));
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void outbox_push(struct gw_item *it)
{
	it->at_us = now_us();
	pthread_mutex_lock(&G.mu);
	if (G.tail)
		G.tail->next = it;
	else
		G.head = it;
	G.tail = it;
	pthread_mutex_unlock(&G.mu);
}

/* Streamed ops are exactly those with a wire op (one table, src/ops.c); the rest pass on to the kernel provider. */
static bool op_handled(enum dplane_op_e op)
{
	return gw_wire_op(op) != GW_OP_NONE;
}

static bool op_is_route(enum dplane_op_e op)
{
	return op == DPLANE_OP_ROUTE_INSTALL || op == DPLANE_OP_ROUTE_UPDATE || op == DPLANE_OP_ROUTE_DELETE;
}

/* --- ctx -> wire ------------------------------------------------------------------------------------- */

static void addr_from_prefix(struct gw_addr *a, const struct prefix *p)
{
	memset(a, 0, sizeof(*a));
	if (p->family == AF_INET) {
		a->len = 4;
		memcpy(a->b, &p->u.prefix4, 4);
	} else if (p->family == AF_INET6) {
		a->len = 16;
		memcpy(a->b, &p->u.prefix6, 16);
	}
}

static void addr_from_ipaddr(struct gw_addr *a, const struct ipaddr *ip)
{
	memset(a, 0, sizeof(*a));
	if (ip->ipa_type == IPADDR_V4) {
		a->len = 4;
		memcpy(a->b, &ip->ipaddr_v4, 4);
	} else if (ip->ipa_type == IPADDR_V6) {
		a->len = 16;
		memcpy(a->b, &ip->ipaddr_v6, 16);
	}
}

static void encode_route(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct zebra_dplane_ctx *ctx)
{
	struct gw_nexthop nhs[MULTIPATH_NUM];
	const struct nexthop_group *ng = dplane_ctx_get_ng(ctx);
	struct nexthop *nh;
	struct gw_route r = {
		.vrf = dplane_ctx_get_vrf(ctx),
		.table = dplane_ctx_get_table(ctx),
		.proto = dplane_ctx_get_type(ctx),
		.distance = dplane_ctx_get_distance(ctx),
		.metric = dplane_ctx_get_metric(ctx),
		.nhe_id = dplane_ctx_get_nhe_id(ctx),
		.nh = nhs,
	};
	const struct prefix *p = dplane_ctx_get_dest(ctx);

	addr_from_prefix(&r.dst, p);
	r.plen = p->prefixlen;
	/* Recursive nexthops are sent as what they resolved to; inactive ones are not forwarding paths. */
	for (ALL_NEXTHOPS_PTR(ng, nh)) {
		struct gw_nexthop *o;

		if (r.nh_count >= MULTIPATH_NUM)
			break;
		if (CHECK_FLAG(nh->flags, NEXTHOP_FLAG_RECURSIVE) || !NEXTHOP_IS_ACTIVE(nh->flags))
			continue;
		o = &nhs[r.nh_count++];
		memset(o, 0, sizeof(*o));
		o->type = nh->type;
		o->vrf = nh->vrf_id;
		o->ifindex = nh->ifindex;
		o->weight = nh->weight;
		o->flags = nh->flags;
		if (nh->nh_encap_type == NET_VXLAN)
			o->vni = nh->nh_encap.vni;
		switch (nh->type) {
		case NEXTHOP_TYPE_IPV4:
		case NEXTHOP_TYPE_IPV4_IFINDEX:
			o->gate.len = 4;
			memcpy(o->gate.b, &nh->gate.ipv4, 4);
			break;
		case NEXTHOP_TYPE_IPV6:
		case NEXTHOP_TYPE_IPV6_IFINDEX:
			o->gate.len = 16;
			memcpy(o->gate.b, &nh->gate.ipv6, 16);
			break;
		case NEXTHOP_TYPE_BLACKHOLE:
			o->bh_type = nh->bh_type;
			break;
		default:
			break;
		}
	}
	gw_enc_route(pk, op, id, &r);
}

/* Returns false (nothing encoded) for an operation without a wire op: it must not reach the agent under
 * another op's name. */
static bool encode_ctx(msgpack_packer *pk, uint32_t id, const struct zebra_dplane_ctx *ctx)
{
	enum dplane_op_e dop = dplane_ctx_get_op(ctx);
	int wop = gw_wire_op(dop);
	enum gw_op op = (enum gw_op)wop;
	struct gw_if_ref ifr = {
		.vrf = dplane_ctx_get_vrf(ctx),
		.ifindex = dplane_ctx_get_ifindex(ctx),
		.ifname = dplane_ctx_get_ifname(ctx),
	};

	if (wop == GW_OP_NONE)
		return false;
	switch (dop) {
	case DPLANE_OP_ROUTE_INSTALL:
	case DPLANE_OP_ROUTE_UPDATE:
	case DPLANE_OP_ROUTE_DELETE:
		encode_route(pk, op, id, ctx);
		return true;
	case DPLANE_OP_ADDR_INSTALL:
	case DPLANE_OP_ADDR_UNINSTALL: {
		const struct prefix *p = dplane_ctx_get_intf_addr(ctx);
		struct gw_addr a;

		addr_from_prefix(&a, p);
		gw_enc_addr(pk, op, id, &ifr, &a, p->prefixlen);
		return true;
	}
	case DPLANE_OP_MAC_INSTALL:
	case DPLANE_OP_MAC_DELETE: {
		struct gw_mac m = {
			.vlan = dplane_ctx_mac_get_vlan(ctx),
			.br_ifindex = dplane_ctx_mac_get_br_ifindex(ctx),
			.sticky = dplane_ctx_mac_is_sticky(ctx),
		};
		const struct in_addr *vtep = dplane_ctx_mac_get_vtep_ip(ctx);

		memcpy(m.mac, dplane_ctx_mac_get_addr(ctx)->octet, 6);
		if (vtep) {
			m.vtep.len = 4;
			memcpy(m.vtep.b, vtep, 4);
		}
		gw_enc_mac(pk, op, id, &ifr, &m);
		return true;
	}
	case DPLANE_OP_NEIGH_INSTALL:
	case DPLANE_OP_NEIGH_UPDATE:
	case DPLANE_OP_NEIGH_DELETE: {
		struct gw_neigh n = {
			.flags = dplane_ctx_neigh_get_flags(ctx),
			.state = dplane_ctx_neigh_get_state(ctx),
		};
		const struct ethaddr *mac = dplane_ctx_neigh_get_mac(ctx);

		addr_from_ipaddr(&n.ip, dplane_ctx_neigh_get_ipaddr(ctx));
		if (mac) {
			n.has_mac = true;
			memcpy(n.mac, mac->octet, 6);
		}
		gw_enc_neigh(pk, op, id, &ifr, &n);
		return true;
	}
	case DPLANE_OP_VTEP_ADD:
	case DPLANE_OP_VTEP_DELETE: {
		struct gw_addr a;

		addr_from_ipaddr(&a, dplane_ctx_neigh_get_ipaddr(ctx));
		gw_enc_vtep(pk, op, id, &ifr, &a);
		return true;
	}
	default:
		return false;
	}
}

/* --- dplane thread ----------------------------------------------------------------------------------- */

static int gw_process(struct zebra_dplane_provider *prov)
{
	int limit = dplane_provider_get_work_limit(prov);
	int taken = 0, i;

	for (i = 0; i < limit; i++) {
		struct zebra_dplane_ctx *ctx;
		struct gw_item *it;

		/* Bounded memory: when full, leave work in zebra's queue; zebra back-pressures its RIB
		 * processing. Results coming back call dplane_provider_work_ready() to resume. */
		if (atomic_load(&G.inflight) >= G.max_inflight)
			break;
		ctx = dplane_provider_dequeue_in_ctx(prov);
		if (!ctx)
			break;
		/* zebra's shutdown withdraws everything; the agent must keep forwarding until the next zebra
		 * replays its state (then it sweeps what did not come back), so those withdrawals stay here. */
		if (!op_handled(dplane_ctx_get_op(ctx)) ||
		    atomic_load_explicit(&zrouter.in_shutdown, memory_order_relaxed)) {
			dplane_ctx_set_status(ctx, ZEBRA_DPLANE_REQUEST_SUCCESS);
			dplane_provider_enqueue_out_ctx(prov, ctx);
			continue;
		}
		it = calloc(1, sizeof(*it));
		if (!it) {
			dplane_ctx_set_status(ctx, ZEBRA_DPLANE_REQUEST_FAILURE);
			dplane_provider_enqueue_out_ctx(prov, ctx);
			continue;
		}
		if (op_is_route(dplane_ctx_get_op(ctx)) && !G.kernel)
			dplane_ctx_set_skip_kernel(ctx);
		it->ctx = ctx;
		atomic_fetch_add(&G.inflight, 1);
		outbox_push(it);
		taken++;
	}
	if (taken)
		wake_io();
	if (i == limit)
		dplane_provider_work_ready();
	return 0;
}

/* --- main thread: replay --------------------------------------------------------------------------- */

#define GW_CHUNK_OPS 1000

static struct gw_chunk *chunk_new(void)
{
	struct gw_chunk *c = calloc(1, sizeof(*c));

	if (c)
		msgpack_sbuffer_init(&c->buf);
	return c;
}

static void chunk_push(struct gw_chunk *c)
{
	struct gw_item *it = calloc(1, sizeof(*it));

	if (!it) {
		msgpack_sbuffer_destroy(&c->buf);
		free(c);
		return;
	}
	it->chunk = c;
	outbox_push(it);
	wake_io();
}

/* A replay in progress: the current chunk and how many ops were encoded in all. */
struct gw_walk {
	struct gw_chunk *c;
	msgpack_packer pk;
	uint32_t total;
};

static bool walk_next(struct gw_walk *w)
{
	w->total++;
	if (!gw_batch_full(w->c->buf.size, ++w->c->count, GW_CHUNK_OPS))
		return true;
	chunk_push(w->c);
	w->c = chunk_new();
	if (!w->c)
		return false;
	msgpack_packer_init(&w->pk, &w->c->buf, msgpack_sbuffer_write);
	return true;
}

static void ifref(struct gw_if_ref *r, const struct interface *ifp, vrf_id_t vrf)
{
	r->vrf = vrf;
	r->ifindex = ifp ? ifp->ifindex : 0;
	r->ifname = ifp ? ifp->name : "";
}

static void walk_mac(struct gw_walk *w, const struct zebra_mac *mac, const struct interface *vx, vrf_id_t vrf)
{
	struct gw_if_ref r;
	struct gw_mac m = { .sticky = CHECK_FLAG(mac->flags, ZEBRA_MAC_STICKY) };

	if (!w->c)
		return;
	ifref(&r, vx, vrf);
	memcpy(m.mac, mac->macaddr.octet, 6);
	m.vtep.len = 4;
	memcpy(m.vtep.b, &mac->fwd_info.r_vtep_ip, 4);
	gw_enc_mac(&w->pk, GW_OP_MAC_INSTALL, 0, &r, &m);
	walk_next(w);
}

static void walk_neigh(struct gw_walk *w, const struct zebra_neigh *n, const struct interface *svi, vrf_id_t vrf)
{
	struct gw_if_ref r;
	struct gw_neigh g = { .has_mac = true };

	if (!w->c || !svi)
		return;
	ifref(&r, svi, vrf);
	addr_from_ipaddr(&g.ip, &n->ip);
	memcpy(g.mac, n->emac.octet, 6);
	gw_enc_neigh(&w->pk, GW_OP_NEIGH_INSTALL, 0, &r, &g);
	walk_next(w);
}

struct gw_evpn_arg {
	struct gw_walk *w;
	const struct interface *vx, *svi;
	vrf_id_t vrf;
};

static void walk_l2_mac(struct hash_bucket *b, void *arg)
{
	struct gw_evpn_arg *a = arg;
	const struct zebra_mac *mac = b->data;

	if (CHECK_FLAG(mac->flags, ZEBRA_MAC_REMOTE))
		walk_mac(a->w, mac, a->vx, a->vrf);
}

static void walk_l2_neigh(struct hash_bucket *b, void *arg)
{
	struct gw_evpn_arg *a = arg;
	const struct zebra_neigh *n = b->data;

	if (CHECK_FLAG(n->flags, ZEBRA_NEIGH_REMOTE))
		walk_neigh(a->w, n, a->svi, a->vrf);
}

static void walk_l3_rmac(struct hash_bucket *b, void *arg)
{
	struct gw_evpn_arg *a = arg;

	walk_mac(a->w, b->data, a->vx, a->vrf);
}

static void walk_l3_nh(struct hash_bucket *b, void *arg)
{
	struct gw_evpn_arg *a = arg;

	walk_neigh(a->w, b->data, a->svi, a->vrf);
}

/* Per L2VNI: remote VTEPs, remote MACs (on the vxlan netdev), remote neighbors (on the SVI), as zebra
 * programs them; the agent maps the netdevs to the VNI. */
static void walk_l2vni(struct hash_bucket *b, void *arg)
{
	struct gw_walk *w = arg;
	struct zebra_evpn *zevpn = b->data;
	struct gw_evpn_arg a = { .w = w, .vx = zevpn->vxlan_if, .svi = zevpn->svi_if, .vrf = zevpn->vrf_id };

	if (!zevpn->vxlan_if)
		return;
	for (struct zebra_vtep *v = zevpn->vteps; v && w->c; v = v->next) {
		struct gw_if_ref r;
		struct gw_addr ip = { .len = 4 };

		ifref(&r, zevpn->vxlan_if, zevpn->vrf_id);
		memcpy(ip.b, &v->vtep_ip, 4);
		gw_enc_vtep(&w->pk, GW_OP_VTEP_ADD, 0, &r, &ip);
		walk_next(w);
	}
	if (zevpn->mac_table)
		hash_iterate(zevpn->mac_table, walk_l2_mac, &a);
	if (zevpn->neigh_table)
		hash_iterate(zevpn->neigh_table, walk_l2_neigh, &a);
}

/* Per L3VNI: router MACs of remote VTEPs (MAC on the L3 vxlan, neighbor VTEP->RMAC on the L3 SVI). */
static void walk_l3vni(struct hash_bucket *b, void *arg)
{
	struct zebra_l3vni *zl3vni = b->data;
	struct gw_evpn_arg a = { .w = arg, .vx = zl3vni->vxlan_if, .svi = zl3vni->svi_if, .vrf = zl3vni->vrf_id };

	if (!zl3vni->vxlan_if)
		return;
	if (zl3vni->rmac_table)
		hash_iterate(zl3vni->rmac_table, walk_l3_rmac, &a);
	if (zl3vni->nh_table)
		hash_iterate(zl3vni->nh_table, walk_l3_nh, &a);
}

/* Replays zebra's state as one epoch: every installed route of every table (all VRFs) as ROUTE_INSTALL, then
 * the EVPN state (VTEPs, remote MACs/neighbors, router MACs), then the end marker. Runs on the main thread:
 * the RIB and the EVPN tables are not safe to read from any other.
 * The first session of a zebra process ends its epoch without the walk (walk_light): this provider sits before
 * the kernel from zebra's start and holds every route/EVPN context until that session answers it, so all
 * zebra has installed was already announced in this very epoch. Walking anyway re-sent every route that
 * arrived before sync-delay expired (~half of them during a 200k-route initial load: 1.5 ops per route).
 * walk_light is read when the timer fires: a later session (agent restart) before that clears it, so the
 * pending timer then walks in full for the new agent. */
static void gw_walk(struct thread *t)
{
	if (atomic_load(&G.walk_light)) {
		struct gw_chunk *end = chunk_new();

		if (end) {
			end->sync_end = true;
			chunk_push(end);
		}
		zlog_info(GW_LOG "first session of this zebra: epoch %u ends without replay (all state went live)",
			  G.walk_epoch);
		return;
	}

	struct zebra_dplane_ctx *ctx = dplane_ctx_alloc();
	rib_tables_iter_t it = { .state = RIB_TABLES_ITER_S_INIT };
	struct zebra_vrf *evpn_vrf = zebra_vrf_get_evpn();
	struct gw_walk w = { .c = chunk_new() };
	struct gw_chunk *end;
	struct route_table *rt;
	struct route_node *rn;
	uint32_t routes;

	if (!w.c) {
		dplane_ctx_fini(&ctx);
		return;
	}
	msgpack_packer_init(&w.pk, &w.c->buf, msgpack_sbuffer_write);
	while (w.c && (rt = rib_tables_iter_next(&it))) {
		for (rn = route_top(rt); rn && w.c; rn = srcdest_route_next(rn)) {
			rib_dest_t *dest = rib_dest_from_rnode(rn);

			if (!dest || !dest->selected_fib ||
			    !CHECK_FLAG(dest->selected_fib->status, ROUTE_ENTRY_INSTALLED))
				continue;
			dplane_ctx_reset(ctx);
			if (dplane_ctx_route_init(ctx, DPLANE_OP_ROUTE_INSTALL, rn, dest->selected_fib) != 0)
				continue;
			if (encode_ctx(&w.pk, 0, ctx))
				walk_next(&w);
		}
	}
	dplane_ctx_fini(&ctx);
	routes = w.total;
	if (w.c && evpn_vrf && evpn_vrf->evpn_table)
		hash_iterate(evpn_vrf->evpn_table, walk_l2vni, &w);
	if (w.c && zrouter.l3vni_table)
		hash_iterate(zrouter.l3vni_table, walk_l3vni, &w);
	if (w.c && w.c->count)
		chunk_push(w.c);
	else if (w.c) {
		msgpack_sbuffer_destroy(&w.c->buf);
		free(w.c);
	}
	end = chunk_new();
	if (end) {
		end->sync_end = true;
		end->count = w.total;
		chunk_push(end);
	}
	zlog_info(GW_LOG "replayed %u routes and %u EVPN entries for epoch %u", routes, w.total - routes,
		  G.walk_epoch);
}

/* --- I/O thread -------------------------------------------------------------------------------------- */

static uint64_t ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static int send_buf(const msgpack_sbuffer *b)
{
	G.send_blocked = zmq_send(G.sock, b->data, b->size, ZMQ_DONTWAIT) < 0;
	return G.send_blocked ? -1 : 0;
}

static void send_hello(void)
{
	msgpack_sbuffer b;
	msgpack_packer pk;

	msgpack_sbuffer_init(&b);
	msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
	/* The agent checks the pid against the kernel's credentials of this connection (SO_PEERCRED). */
	gw_enc_hello(&pk, ++G.seq, FRR_VERSION, G.instance, G.kernel, (uint32_t)getpid());
	if (send_buf(&b) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &G.last_hello);
		G.hello_seq = G.seq;
	}
	msgpack_sbuffer_destroy(&b);
}

static void item_free(struct gw_item *it)
{
	if (it->chunk) {
		msgpack_sbuffer_destroy(&it->chunk->buf);
		free(it->chunk);
	}
	free(it);
}

/* The agent went away: what it did not answer is sent again in the next session (contexts stay held;
 * zebra shows them queued). Replay chunks are dropped: the next session replays anew. */
static void session_lost(const char *why)
{
	struct gw_item *requeue = NULL, **tailp = &requeue;
	struct gw_sent *s, *next;

	if (G.session)
		zlog_warn(GW_LOG "agent session (epoch %u) lost: %s", G.epoch, why);
	G.session = false;
	for (s = G.sent_head; s; s = next) {
		next = s->next;
		for (uint32_t i = 0; i < s->n; i++) {
			struct gw_item *it;

			if (!s->ctxs[i])
				continue;
			it = calloc(1, sizeof(*it));
			if (!it) { /* cannot hold it: let zebra see the failure rather than leak it */
				dplane_ctx_set_status(s->ctxs[i], ZEBRA_DPLANE_REQUEST_FAILURE);
				dplane_provider_enqueue_out_ctx(G.prov, s->ctxs[i]);
				atomic_fetch_sub(&G.inflight, 1);
				continue;
			}
			it->ctx = s->ctxs[i];
			*tailp = it;
			tailp = &it->next;
		}
		free(s->ctxs);
		free(s);
	}
	G.sent_head = G.sent_tail = NULL;
	pthread_mutex_lock(&G.mu);
	/* Drop queued replay chunks, keep contexts in order behind the re-queued ones. */
	for (struct gw_item **pp = &G.head; *pp;) {
		struct gw_item *it = *pp;

		if (it->chunk) {
			*pp = it->next;
			item_free(it);
		} else {
			pp = &it->next;
		}
	}
	if (requeue) {
		*tailp = G.head;
		G.head = requeue;
	}
	G.tail = NULL;
	for (struct gw_item *it = G.head; it; it = it->next)
		G.tail = it;
	pthread_mutex_unlock(&G.mu);
	dplane_provider_work_ready();
}

static void sent_push(struct gw_sent *s)
{
	if (G.sent_tail)
		G.sent_tail->next = s;
	else
		G.sent_head = s;
	G.sent_tail = s;
}

/* Contexts of an operation the wire has no op for (cannot happen while op_handled() filters on the same
 * table): failed in zebra, counted, logged, never sent as some other op. */
static void refuse_unknown(struct zebra_dplane_ctx **ctxs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		G.unknown_ops++;
		if (G.unknown_ops <= 100 || G.unknown_ops % 1000 == 0)
			zlog_warn(GW_LOG "%s has no wire op: refused (unknown ops so far: %" PRIu64 ")",
				  dplane_op2str(dplane_ctx_get_op(ctxs[i])), G.unknown_ops);
		dplane_ctx_set_status(ctxs[i], ZEBRA_DPLANE_REQUEST_FAILURE);
		dplane_provider_enqueue_out_ctx(G.prov, ctxs[i]);
	}
	if (n) {
		atomic_fetch_sub(&G.inflight, n);
		dplane_provider_work_ready();
	}
}

/* Sends what the outbox holds, in order: runs of contexts as BATCHes of up to G.batch ops, replay chunks
 * as they are. Stops at the first send the socket refuses (high-water mark) and retries on POLLOUT. */
static void flush(void)
{
	while (G.session && !atomic_load(&G.stop)) {
		struct gw_item *first, *it, *last = NULL;
		msgpack_sbuffer b;
		msgpack_packer pk;
		struct gw_sent *s;
		uint32_t n = 0;

		pthread_mutex_lock(&G.mu);
		first = G.head;
		pthread_mutex_unlock(&G.mu);
		if (!first)
			return;

		msgpack_sbuffer_init(&b);
		msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
		if (first->chunk) {
			struct gw_chunk *c = first->chunk;

			if (c->sync_end) {
				gw_enc_sync_end(&pk, G.seq + 1, G.epoch, c->count);
			} else {
				gw_enc_batch_head(&pk, G.seq + 1, G.epoch, c->count);
				msgpack_sbuffer_write(&b, c->buf.data, c->buf.size);
			}
			if (send_buf(&b) < 0) {
				msgpack_sbuffer_destroy(&b);
				return;
			}
			G.seq++;
			if (!c->sync_end) {
				s = calloc(1, sizeof(*s));
				if (s) { /* answers to replayed ops complete nothing; only the seq is tracked */
					s->seq = G.seq;
					sent_push(s);
				}
			}
			last = first;
			n = 0;
		} else {
			struct zebra_dplane_ctx **ctxs;
			msgpack_sbuffer ops;
			msgpack_packer opk;

			/* Count the run of contexts (the list after `first` is only appended to by others). */
			pthread_mutex_lock(&G.mu);
			for (it = first; it && !it->chunk && n < G.batch; it = it->next) {
				last = it;
				n++;
			}
			pthread_mutex_unlock(&G.mu);
			/* zebra hands over at most 100 contexts per dplane cycle: sending each handful alone cost the
			 * agent and zebra a message round trip per ~16 routes. A short wait fills batches; a run that
			 * ends at a chunk or fills the batch goes at once. */
			if (n < G.batch && !(last->next && last->next->chunk) &&
			    now_us() - first->at_us < G.batch_wait_us) {
				msgpack_sbuffer_destroy(&b);
				return;
			}
			ctxs = calloc(n, sizeof(*ctxs));
			if (!ctxs) {
				msgpack_sbuffer_destroy(&b);
				return;
			}
			msgpack_sbuffer_init(&ops);
			msgpack_packer_init(&opk, &ops, msgpack_sbuffer_write);
			/* ctxs[0..m) were encoded; an op without a wire op is kept at the end, ctxs[nbad..n), and fails.
			 * The batch also closes at the message byte bound (routes with many nexthops): the rest of the
			 * run stays in the outbox for the next batch. */
			it = first;
			uint32_t m = 0, nbad = n, taken = 0;

			for (; taken < n; taken++, it = it->next) {
				if (taken && gw_batch_full(ops.size, m, G.batch))
					break;
				if (encode_ctx(&opk, G.op_id + 1, it->ctx)) {
					G.op_id++;
					ctxs[m++] = it->ctx;
				} else {
					ctxs[--nbad] = it->ctx;
				}
				last = it;
			}
			if (taken < n) { /* cut short: the refused ones move down next to the encoded ones */
				memmove(ctxs + m, ctxs + nbad, (n - nbad) * sizeof(*ctxs));
				nbad = m;
				n = taken;
			}
			gw_enc_batch_head(&pk, G.seq + 1, G.epoch, m);
			msgpack_sbuffer_write(&b, ops.data, ops.size);
			msgpack_sbuffer_destroy(&ops);
			if (send_buf(&b) < 0) {
				free(ctxs);
				msgpack_sbuffer_destroy(&b);
				return;
			}
			G.seq++;
			refuse_unknown(ctxs + nbad, n - nbad);
			n = m;
			s = calloc(1, sizeof(*s));
			if (!s) {
				/* Cannot track it: fail those contexts now rather than hold them forever. */
				for (uint32_t i = 0; i < n; i++) {
					dplane_ctx_set_status(ctxs[i], ZEBRA_DPLANE_REQUEST_FAILURE);
					dplane_provider_enqueue_out_ctx(G.prov, ctxs[i]);
				}
				atomic_fetch_sub(&G.inflight, n);
				free(ctxs);
			} else {
				s->seq = G.seq;
				s->n = n;
				s->ctxs = ctxs;
				sent_push(s);
			}
		}
		msgpack_sbuffer_destroy(&b);

		/* Unlink first..last; the contexts now belong to the sent batch. */
		pthread_mutex_lock(&G.mu);
		G.head = last->next;
		if (!G.head)
			G.tail = NULL;
		pthread_mutex_unlock(&G.mu);
		for (it = first; it;) {
			struct gw_item *next = it->next;
			bool done = it == last;

			if (it->chunk)
				item_free(it);
			else
				free(it);
			if (done)
				break;
			it = next;
		}
	}
}

static void on_result(const struct gw_reply *r)
{
	struct gw_sent *s = G.sent_head, *prev = NULL;
	uint32_t completed = 0;

	while (s && s->seq != r->seq) {
		prev = s;
		s = s->next;
	}
	if (!s) {
		zlog_warn(GW_LOG "RESULT for unknown seq %u", r->seq);
		return;
	}
	if (prev)
		prev->next = s->next;
	else
		G.sent_head = s->next;
	if (G.sent_tail == s)
		G.sent_tail = prev;
	if (s->n && r->ncodes != s->n)
		zlog_warn(GW_LOG "RESULT seq %u has %u codes for %u ops: missing ones fail", r->seq, r->ncodes, s->n);
	for (uint32_t i = 0; i < s->n; i++) {
		uint8_t code = gw_reply_code(r, i);
		struct zebra_dplane_ctx *ctx = s->ctxs[i];

		if (code != GW_RES_OK) {
			G.failed_ops++;
			if (IS_ZEBRA_DEBUG_DPLANE || G.failed_ops <= 100 || G.failed_ops % 1000 == 0)
			{
				char what[PREFIX_STRLEN] = "-";

				if (op_is_route(dplane_ctx_get_op(ctx)))
					prefix2str(dplane_ctx_get_dest(ctx), what, sizeof(what));
				zlog_warn(GW_LOG "%s %s vrf %u refused by the dataplane: %s (failures so far: %" PRIu64 ")",
					  dplane_op2str(dplane_ctx_get_op(ctx)), what, dplane_ctx_get_vrf(ctx),
					  gw_result_str(code), G.failed_ops);
			}
		}
		dplane_ctx_set_status(ctx, code == GW_RES_OK ? ZEBRA_DPLANE_REQUEST_SUCCESS
							   : ZEBRA_DPLANE_REQUEST_FAILURE);
		dplane_provider_enqueue_out_ctx(G.prov, ctx);
		completed++;
	}
	free(s->ctxs);
	free(s);
	if (completed) {
		atomic_fetch_sub(&G.inflight, completed);
		dplane_provider_work_ready();
	}
}

static void on_reply(const struct gw_reply *r)
{
	switch (r->type) {
	case GW_MSG_HELLO_ACK:
		if (r->schema != GW_WIRE_VERSION) {
			zlog_err(GW_LOG "agent speaks wire schema %u, this plugin %u: not streaming", r->schema,
				 GW_WIRE_VERSION);
			return;
		}
		if (G.session) /* a duplicate ACK to a retried HELLO */
			return;
		/* A busy agent may answer a HELLO and its retry: each answer opens a new epoch there, so only the
		 * answer to the newest HELLO names the epoch the agent is in now. */
		if (r->seq != G.hello_seq) {
			zlog_info(GW_LOG "ignoring the answer to an earlier HELLO (seq %u, newest %u)", r->seq,
				  G.hello_seq);
			return;
		}
		G.session = true;
		G.epoch = r->epoch;
		zlog_info(GW_LOG "agent session up, epoch %u: %s", G.epoch,
			  G.first_session_done ? "replaying zebra state"
					       : "first session of this zebra, epoch ends after sync-delay");
		{
			msgpack_sbuffer b;
			msgpack_packer pk;

			msgpack_sbuffer_init(&b);
			msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
			gw_enc_sync_begin(&pk, ++G.seq, G.epoch);
			if (send_buf(&b) < 0)
				zlog_warn(GW_LOG "SYNC_BEGIN not sent: %s", zmq_strerror(errno));
			msgpack_sbuffer_destroy(&b);
		}
		/* Right after zebra (re)starts its RIB is still filling from bgpd: replaying now would make the
		 * agent sweep routes that are about to come back. The first session waits sync-delay; live ops
		 * flow meanwhile and count for the epoch too. */
		G.walk_epoch = G.epoch;
		atomic_store(&G.walk_light, !G.first_session_done);
		thread_add_timer_msec(zrouter.master, gw_walk, NULL, G.first_session_done ? 0 : G.sync_delay_ms,
				      &G.t_walk);
		G.first_session_done = true;
		return;
	case GW_MSG_RESULT:
		on_result(r);
		return;
	case GW_MSG_SYNC_DONE:
		zlog_info(GW_LOG "epoch %u complete; agent removed %u stale entries", r->epoch, r->removed);
		return;
	case GW_MSG_ERROR:
		/* A refused HELLO is retried every second (the previous zebra's session ends when the agent sees
		 * that process gone): log the first few and then one a minute, not one a second. */
		if (r->code == GW_ERR_PEER_BUSY || r->code == GW_ERR_NOT_AUTHENTICATED) {
			if (++G.refused_hellos <= 5 || G.refused_hellos % 60 == 0)
				zlog_warn(GW_LOG "agent refused HELLO (%" PRIu64 " so far): %s", G.refused_hellos,
					  r->detail);
			return;
		}
		zlog_warn(GW_LOG "agent error %u for seq %u: %s", r->code, r->seq, r->detail);
		if (r->code == GW_ERR_NO_SESSION)
			session_lost("agent does not know this session");
		return;
	default:
		return;
	}
}

static void drain_socket(void)
{
	for (;;) {
		zmq_msg_t m;
		msgpack_unpacked u;
		struct gw_reply r;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, G.sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		msgpack_unpacked_init(&u);
		if (gw_msgpack_sane(zmq_msg_data(&m), zmq_msg_size(&m)) == 0 &&
		    msgpack_unpack_next(&u, zmq_msg_data(&m), zmq_msg_size(&m), NULL) == MSGPACK_UNPACK_SUCCESS &&
		    gw_dec_reply(&u.data, &r) == 0)
			on_reply(&r);
		else
			zlog_warn(GW_LOG "unreadable message from agent (%zu bytes) ignored", zmq_msg_size(&m));
		msgpack_unpacked_destroy(&u);
		zmq_msg_close(&m);
	}
}

static void drain_monitor(void)
{
	for (;;) {
		zmq_msg_t m;
		uint16_t ev;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, G.mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		memcpy(&ev, zmq_msg_data(&m), sizeof(ev));
		/* The second frame (endpoint) is not needed. */
		if (zmq_msg_more(&m)) {
			zmq_msg_close(&m);
			zmq_msg_init(&m);
			(void)zmq_msg_recv(&m, G.mon, ZMQ_DONTWAIT);
		}
		zmq_msg_close(&m);
		if (ev == ZMQ_EVENT_CONNECTED) {
			G.connected = true;
			session_lost("reconnected");
			send_hello();
		} else if (ev == ZMQ_EVENT_DISCONNECTED) {
			G.connected = false;
			session_lost("disconnected");
		}
	}
}

static void *io_main(void *arg)
{
	/* zlog and thread_add_* use RCU: a pthread FRR did not create must register itself. */
	rcu_thread_start(arg);
	while (!atomic_load(&G.stop)) {
		zmq_pollitem_t items[3] = {
			{ .socket = G.sock, .events = ZMQ_POLLIN },
			{ .socket = G.mon, .events = ZMQ_POLLIN },
			{ .fd = G.wake_fd, .events = ZMQ_POLLIN },
		};
		bool backlog;

		pthread_mutex_lock(&G.mu);
		backlog = G.head != NULL;
		pthread_mutex_unlock(&G.mu);
		/* POLLOUT only after a refused send: with it always on, a partial batch waiting to fill would spin. */
		if (backlog && G.session && G.send_blocked)
			items[0].events |= ZMQ_POLLOUT;
		if (zmq_poll(items, 3, backlog && G.session ? 1 : 1000) < 0 && errno != EINTR)
			break;
		if (items[2].revents & ZMQ_POLLIN) {
			uint64_t v;

			if (read(G.wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				zlog_warn(GW_LOG "wake read: %s", strerror(errno));
		}
		drain_monitor();
		drain_socket();
		/* A HELLO can be lost to a half-open connection: repeat until answered. */
		if (G.connected && !G.session && ms_since(&G.last_hello) >= 1000)
			send_hello();
		flush();
	}
	return NULL;
}

static int gw_start(struct zebra_dplane_provider *prov)
{
	int hwm = 1000, linger = 0, immediate = 1, ivl = 200;
	struct rcu_thread *rcu;
	char mon_ep[64];

	G.zctx = zmq_ctx_new();
	G.sock = zmq_socket(G.zctx, ZMQ_DEALER);
	G.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!G.zctx || !G.sock || G.wake_fd < 0) {
		zlog_err(GW_LOG "cannot create sockets: %s", strerror(errno));
		return -1;
	}
	zmq_setsockopt(G.sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(G.sock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(G.sock, ZMQ_LINGER, &linger, sizeof(linger));
	/* Messages are only queued to a live connection: batches for a dead agent stay in our outbox. */
	zmq_setsockopt(G.sock, ZMQ_IMMEDIATE, &immediate, sizeof(immediate));
	zmq_setsockopt(G.sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	snprintf(mon_ep, sizeof(mon_ep), "inproc://gw-mon-%d", (int)getpid());
	if (zmq_socket_monitor(G.sock, mon_ep, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) < 0) {
		zlog_err(GW_LOG "socket monitor: %s", zmq_strerror(errno));
		return -1;
	}
	G.mon = zmq_socket(G.zctx, ZMQ_PAIR);
	if (!G.mon || zmq_connect(G.mon, mon_ep) < 0 || zmq_connect(G.sock, G.endpoint) < 0) {
		zlog_err(GW_LOG "connect %s: %s", G.endpoint, zmq_strerror(errno));
		return -1;
	}
	rcu = rcu_thread_prepare();
	if (pthread_create(&G.io, NULL, io_main, rcu) != 0) {
		rcu_thread_unprepare(rcu);
		zlog_err(GW_LOG "cannot start I/O thread");
		return -1;
	}
	G.io_started = true;
	zlog_info(GW_LOG "provider started: agent %s, kernel FIB %s, max in-flight %u", G.endpoint,
		  G.kernel ? "also programmed" : "not programmed", G.max_inflight);
	return 0;
}

static int gw_fini(struct zebra_dplane_provider *prov, bool early)
{
	if (early)
		return 0;
	atomic_store(&G.stop, true);
	if (G.io_started) {
		wake_io();
		pthread_join(G.io, NULL);
		G.io_started = false;
	}
	if (G.mon)
		zmq_close(G.mon);
	if (G.sock)
		zmq_close(G.sock);
	if (G.zctx)
		zmq_ctx_term(G.zctx);
	G.mon = G.sock = G.zctx = NULL;
	return 0;
}

static int gw_late_init(struct thread_master *tm)
{
	int ret = dplane_provider_register("vpc-gateway", DPLANE_PRIO_PRE_KERNEL, DPLANE_PROV_FLAG_THREADED,
					   gw_start, gw_process, gw_fini, NULL, &G.prov);

	if (ret)
		zlog_err(GW_LOG "provider registration failed: %d", ret);
	return ret;
}

static int parse_u32(const char *v, uint32_t *out, uint32_t min, uint32_t max)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int parse_args(const char *args)
{
	char buf[512], *save = NULL, *kv;

	if (!args || !*args) {
		zlog_err(GW_LOG "missing arguments: -M <path>.so:endpoint=ipc:///...");
		return -1;
	}
	if (strlcpy(buf, args, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		uint32_t u;

		if (!v) {
			zlog_err(GW_LOG "argument '%s' is not key=value", kv);
			return -1;
		}
		*v++ = '\0';
		if (!strcmp(kv, "endpoint")) {
			if (strlcpy(G.endpoint, v, sizeof(G.endpoint)) >= sizeof(G.endpoint))
				return -1;
		} else if (!strcmp(kv, "kernel") && !parse_u32(v, &u, 0, 1)) {
			G.kernel = u;
		} else if (!strcmp(kv, "max-inflight") && !parse_u32(v, &u, 100, 10000000)) {
			G.max_inflight = u;
		} else if (!strcmp(kv, "batch") && !parse_u32(v, &u, 1, GW_MAX_BATCH_OPS)) {
			G.batch = u;
		} else if (!strcmp(kv, "batch-wait") && !parse_u32(v, &u, 0, 100000)) {
			G.batch_wait_us = u;
		} else if (!strcmp(kv, "sync-delay") && !parse_u32(v, &u, 0, 600000)) {
			G.sync_delay_ms = u;
		} else {
			zlog_err(GW_LOG "bad argument %s=%s", kv, v);
			return -1;
		}
	}
	if (!G.endpoint[0]) {
		zlog_err(GW_LOG "endpoint= is required");
		return -1;
	}
	return 0;
}

/* The plugin reads zebra structs directly; their layout is only right for the FRR it was compiled with. */
static int check_version(void)
{
	for (struct frrmod_runtime *m = frrmod_list; m; m = m->next) {
		if (m->info && m->info->name && !strcmp(m->info->name, "zebra")) {
			if (m->info->version && !strcmp(m->info->version, FRR_VERSION))
				return 0;
			zlog_err(GW_LOG "built for FRR %s but the running zebra is %s: refusing to load", FRR_VERSION,
				 m->info->version ? m->info->version : "(unknown)");
			return -1;
		}
	}
	zlog_err(GW_LOG "cannot find zebra's version (not loaded into zebra?): refusing to load");
	return -1;
}

static int gw_module_init(void)
{
	if (check_version() || parse_args(THIS_MODULE->load_args))
		return -1;
	snprintf(G.instance, sizeof(G.instance), "%s/%d/%ld", frr_get_progname(), (int)getpid(), (long)time(NULL));
	hook_register(frr_late_init, gw_late_init);
	return 0;
}

FRR_MODULE_SETUP(.name = "vpc_gateway", .version = "0.1.0+frr" FRR_VERSION,
		 .description = "vpc-gateway dataplane provider (ZeroMQ to the agent)", .init = gw_module_init);
