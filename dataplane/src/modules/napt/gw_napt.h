/* SPDX-License-Identifier: Apache-2.0 */
/* Public C API of the napt module: stateful NAT on peerings (masquerade = NAPT44/NAT66 with port translation,
 * portForward = DNAT of published services) and its session table. The addon, gw-replay, the C tests, the fuzzer
 * and the bench call it. Table writes, shows and clear run on the control thread, like every gw_dp_* write;
 * sessions are created, refreshed and expired by the workers (docs/nat.md, "Session table").
 * Addresses in network byte order, ports in host order. Returns 0 or a negative errno as gw_dp.h says. */
#ifndef GW_NAPT_API_H
#define GW_NAPT_API_H

#include "gw_dp.h"

#define GW_NAPT_MAX_POOL 65535       /* pool ids are 1..this (tables.yaml natPools.pool) */
#define GW_NAPT_MAX_PEERING 65535
#define GW_NAPT_POOL_ADDRS 65536     /* addresses per pool (natPoolPrefixes beyond: -ENOSPC) */
#define GW_NAPT_POOL_ENTRIES 4096    /* prefixes, inside prefixes, forwards: each, per pool (-ENOSPC) */
#define GW_NAPT_DEFAULT_SESSIONS 1048576u

enum gw_napt_mode { GW_NAPT_MASQUERADE = 1, GW_NAPT_PORT_FORWARD = 2 };
/* RFC 4787 section 5 filtering of packets from outside to a mapping that has no session with the sender. */
enum gw_napt_filtering {
	GW_NAPT_FILTER_EIF = 0,  /* endpoint-independent: anyone may use the mapping (the default, RFC 4787 REQ-8) */
	GW_NAPT_FILTER_ADF = 1,  /* address-dependent: only addresses the inside host has sent to */
	GW_NAPT_FILTER_APDF = 2, /* address-and-port-dependent: only (address, port)s it has sent to */
};

struct gw_napt_pool {
	uint32_t peering;    /* 1..GW_NAPT_MAX_PEERING */
	uint32_t vrf;        /* the inside VPC's VRF: must exist (-ENOENT) */
	enum gw_napt_mode mode;
	enum gw_napt_filtering filtering;
	uint32_t idle_timeout; /* s; 0 = protocol defaults (below) */
};
/* Protocol defaults (RFC 4787 REQ-5: UDP >= 2 min, 5 recommended; RFC 5382 REQ-5: established >= 2 h 4 min,
 * transitory 4 min; RFC 5508 REQ-? ICMP query 60 s). */
#define GW_NAPT_UDP_TIMEOUT 300
#define GW_NAPT_TCP_EST_TIMEOUT 7440
#define GW_NAPT_TCP_TRANS_TIMEOUT 240
#define GW_NAPT_ICMP_TIMEOUT 60

/* Add or replace (a replaced pool keeps its addresses, inside prefixes, forwards and sessions; a changed peering
 * or vrf clears its sessions). */
int gw_dp_napt_pool_set(struct gw_dp *dp, uint32_t pool, const struct gw_napt_pool *p);
/* Removes the pool with its prefixes, forwards and sessions. */
int gw_dp_napt_pool_del(struct gw_dp *dp, uint32_t pool);
/* The pool's `as` addresses; -ENOENT: no such pool; -ENOSPC: more than GW_NAPT_POOL_ADDRS addresses. Removing a
 * prefix clears the sessions that use its addresses. */
int gw_dp_napt_prefix_set(struct gw_dp *dp, uint32_t pool, const struct gw_ip *prefix, uint8_t plen);
int gw_dp_napt_prefix_del(struct gw_dp *dp, uint32_t pool, const struct gw_ip *prefix, uint8_t plen);
/* Masquerade's inside sources. */
int gw_dp_napt_inside_set(struct gw_dp *dp, uint32_t pool, const struct gw_ip *prefix, uint8_t plen);
int gw_dp_napt_inside_del(struct gw_dp *dp, uint32_t pool, const struct gw_ip *prefix, uint8_t plen);
/* portForward's services: (proto 6|17, addr, port) -> (inside, inside_port); addr and inside of one family. */
struct gw_napt_forward {
	uint8_t proto;
	struct gw_ip addr;
	uint16_t port;
	struct gw_ip inside;
	uint16_t inside_port;
};
int gw_dp_napt_forward_set(struct gw_dp *dp, uint32_t pool, const struct gw_napt_forward *f);
int gw_dp_napt_forward_del(struct gw_dp *dp, uint32_t pool, uint8_t proto, const struct gw_ip *addr, uint16_t port);

/* ---- sessions ---- */
enum gw_napt_state {
	GW_NAPT_ST_ACTIVE = 0,      /* UDP, ICMP query */
	GW_NAPT_ST_TCP_SYN = 1,     /* SYN seen from the opener only */
	GW_NAPT_ST_TCP_EST = 2,     /* SYN seen both ways */
	GW_NAPT_ST_TCP_CLOSING = 3, /* FIN or RST seen */
};
struct gw_napt_endpoint {
	struct gw_ip addr;
	uint16_t port; /* TCP/UDP port; ICMP: the echo identifier (remote: 0) */
};
/* A session as the show, the event stream and the replication insert see it. The timestamps are the workers'
 * clock (now_ns of gw_pipeline_process: the pcap clock in replay) in seconds. */
struct gw_napt_session {
	uint32_t id;        /* slot + 1 in the table (stable while the session lives; reused after) */
	uint32_t pool, peering, vrf;
	uint8_t proto;      /* 6, 17, 1 or 58 */
	uint8_t state;      /* enum gw_napt_state */
	uint8_t fin;        /* TCP: bit 0 FIN seen from inside, bit 1 from outside */
	struct gw_napt_endpoint inside, outside, remote;
	uint32_t created, last_seen, expires; /* s */
	uint64_t packets_out, bytes_out, packets_in, bytes_in; /* out = inside -> remote; bytes = IP bytes */
};
/* What a show or clear selects: zero fields match everything. */
struct gw_napt_filter {
	uint32_t vrf;      /* 0 = any (the inside VRF otherwise) */
	uint32_t peering;  /* 0 = any */
	uint32_t pool;     /* 0 = any */
	uint8_t proto;     /* 0 = any */
	struct gw_ip addr; /* family 0 = any; else inside, outside or remote address */
};
/* Live sessions with id > after, in id order, at most max into out; returns the count (0: the end). Expired but
 * not yet reaped sessions are skipped. */
int gw_dp_napt_sessions(struct gw_dp *dp, const struct gw_napt_filter *f, uint32_t after, struct gw_napt_session *out,
			unsigned max);
/* Deletes the matching sessions (each with a delete event); returns how many. */
int gw_dp_napt_clear(struct gw_dp *dp, const struct gw_napt_filter *f);
/* Replication: inserts a session as a worker would have created it (its mapping included). -EINVAL when its pool,
 * peering, vrf or addresses do not fit the configuration, -EEXIST when it or its mapping clashes with one in the
 * table, -ENOSPC table full. */
int gw_dp_napt_session_insert(struct gw_dp *dp, const struct gw_napt_session *s);
/* Reaps at most budget expired sessions at time now_ns (the workers do this per burst; the control thread calls it
 * when traffic is idle); returns how many. */
unsigned gw_dp_napt_expire(struct gw_dp *dp, uint64_t now_ns, unsigned budget);

/* Pool and per-peering statistics (summed over workers). */
struct gw_napt_pool_stats {
	uint32_t pool, peering, vrf;
	enum gw_napt_mode mode;
	uint32_t addresses;   /* of the pool */
	uint32_t ports_in_use; /* mappings (one outside address + port each) */
	uint32_t sessions;
	uint64_t exhausted;   /* packets dropped for want of a free port (napt_ports_exhausted) */
};
int gw_dp_napt_pool_stats(const struct gw_dp *dp, uint32_t pool, struct gw_napt_pool_stats *out);
/* Pool ids in use, ascending, at most max; returns the count. */
unsigned gw_dp_napt_pools(const struct gw_dp *dp, uint32_t *ids, unsigned max);
struct gw_napt_counters {
	uint64_t created, expired, translations; /* expired counts every delete: idle, TCP close, clear */
	uint32_t active;
};
int gw_dp_napt_counters(const struct gw_dp *dp, uint32_t peering, struct gw_napt_counters *out);
/* Table occupancy: sessions + mappings in use, and the capacity (gw_dp_params.nat_sessions). */
void gw_dp_napt_usage(const struct gw_dp *dp, uint32_t *used, uint32_t *capacity);

/* ---- events (A/B state sync builds on these) ---- */
enum gw_napt_event_type { GW_NAPT_EV_CREATE = 1, GW_NAPT_EV_REFRESH, GW_NAPT_EV_DELETE };
struct gw_napt_event {
	enum gw_napt_event_type type;
	struct gw_napt_session s;
};
/* Off by default (a worker then pays nothing for them). On: every create and delete, and a refresh when a TCP
 * session changes state or has seen traffic for a quarter of its timeout since its last event, go to a bounded
 * ring; when it is full the event is counted in gw_dp_napt_events_dropped. */
void gw_dp_napt_events_enable(struct gw_dp *dp, bool on);
unsigned gw_dp_napt_events_poll(struct gw_dp *dp, struct gw_napt_event *ev, unsigned max);
uint64_t gw_dp_napt_events_dropped(const struct gw_dp *dp);

#endif
