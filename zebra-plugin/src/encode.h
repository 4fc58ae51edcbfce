/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wire encoder of the vpc-gateway zebra plugin: plain structs -> msgpack, in the positional layout of
 * wire/schema.yaml (constants from the generated gw_wire.h). Kept free of FRR types so that it can be
 * unit-tested under sanitizers without zebra.
 */
#ifndef GW_ENCODE_H
#define GW_ENCODE_H

#include <stdbool.h>
#include <stdint.h>
#include <msgpack.h>

#include "gw_wire.h"

struct gw_addr {
	uint8_t len; /* 0 = none, 4 or 16 */
	uint8_t b[16];
};

struct gw_nexthop {
	uint8_t type;
	uint32_t vrf;
	uint32_t ifindex;
	struct gw_addr gate;
	uint8_t weight;
	uint32_t flags;
	uint32_t vni;
	uint8_t bh_type;
};

struct gw_route {
	uint32_t vrf, table;
	struct gw_addr dst;
	uint8_t plen, proto, distance;
	uint32_t metric, nhe_id;
	unsigned int nh_count;
	const struct gw_nexthop *nh;
};

struct gw_if_ref {
	uint32_t vrf;
	uint32_t ifindex;
	const char *ifname;
};

struct gw_mac {
	uint8_t mac[6];
	struct gw_addr vtep; /* IPv4 only in FRR 8.4 */
	uint16_t vlan;
	uint32_t br_ifindex;
	bool sticky;
};

struct gw_neigh {
	struct gw_addr ip;
	bool has_mac;
	uint8_t mac[6];
	uint32_t flags, state;
};

/* Ops: one msgpack array each, appended to pk. */
void gw_enc_route(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_route *r);
void gw_enc_addr(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		 const struct gw_addr *a, uint8_t plen);
void gw_enc_mac(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		const struct gw_mac *m);
void gw_enc_neigh(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		  const struct gw_neigh *n);
void gw_enc_vtep(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		 const struct gw_addr *vtep);

/* Messages. A BATCH is its header followed by `count` already-encoded ops (msgpack concatenates). */
void gw_enc_hello(msgpack_packer *pk, uint32_t seq, const char *frr_version, const char *instance, bool kernel,
		  uint32_t pid);
void gw_enc_batch_head(msgpack_packer *pk, uint32_t seq, uint32_t epoch, uint32_t count);
void gw_enc_sync_begin(msgpack_packer *pk, uint32_t seq, uint32_t epoch);
void gw_enc_sync_end(msgpack_packer *pk, uint32_t seq, uint32_t epoch, uint32_t ops);

/* Whether a BATCH body (or replay chunk) of `ops` ops in `body_bytes` bytes takes no further op: at `max_ops`,
 * or once one more maximal op could push the message past GW_MAX_MESSAGE_BYTES (the agent drops the
 * connection of a peer that sends a bigger message). */
bool gw_batch_full(size_t body_bytes, uint32_t ops, uint32_t max_ops);

/* Agent -> plugin messages, decoded. */
struct gw_reply {
	enum gw_msg type;
	uint32_t seq;
	uint32_t epoch;	  /* HELLO_ACK, SYNC_DONE */
	uint32_t schema;  /* HELLO_ACK */
	uint32_t removed; /* SYNC_DONE */
	uint8_t code;	  /* ERROR */
	char detail[GW_MAX_ERROR_DETAIL + 1];
	uint32_t ncodes; /* RESULT */
	const msgpack_object *codes;
};

/* Returns 0 and fills r (valid while obj lives), or -1 on a message that does not match the schema. */
int gw_dec_reply(const msgpack_object *obj, struct gw_reply *r);
/* i-th result code of a RESULT, GW_RES_INTERNAL when it is not a small integer. */
uint8_t gw_reply_code(const struct gw_reply *r, uint32_t i);

/* Checks that buf is exactly one msgpack object whose containers declare no more elements than bytes remain,
 * nested at most 8 deep. msgpack-c allocates what a header declares: run this before unpacking. */
int gw_msgpack_sane(const void *buf, size_t n);

#endif
