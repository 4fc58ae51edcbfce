// SPDX-License-Identifier: GPL-2.0-or-later
/* Wire encoder/decoder of the zebra plugin; layout and constants come from the generated gw_wire.h. */
#include <string.h>

#include "encode.h"

static void pk_addr(msgpack_packer *pk, const struct gw_addr *a)
{
	if (a->len != 4 && a->len != 16) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_bin(pk, a->len);
	msgpack_pack_bin_body(pk, a->b, a->len);
}

static void pk_str(msgpack_packer *pk, const char *s)
{
	size_t n = s ? strnlen(s, 64) : 0;

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s ? s : "", n);
}

static void pk_head(msgpack_packer *pk, unsigned int len, uint32_t op, uint32_t id)
{
	msgpack_pack_array(pk, len);
	msgpack_pack_uint32(pk, op);
	msgpack_pack_uint32(pk, id);
}

static void pk_ifref(msgpack_packer *pk, const struct gw_if_ref *ifr)
{
	msgpack_pack_uint32(pk, ifr->vrf);
	msgpack_pack_uint32(pk, ifr->ifindex);
	pk_str(pk, ifr->ifname);
}

void gw_enc_route(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_route *r)
{
	unsigned int n = r->nh_count > GW_MAX_ROUTE_NEXTHOPS ? GW_MAX_ROUTE_NEXTHOPS : r->nh_count;

	pk_head(pk, GW_BODY_ROUTE_LEN, op, id);
	msgpack_pack_uint32(pk, r->vrf);
	msgpack_pack_uint32(pk, r->table);
	pk_addr(pk, &r->dst);
	msgpack_pack_uint8(pk, r->plen);
	msgpack_pack_uint8(pk, r->proto);
	msgpack_pack_uint8(pk, r->distance);
	msgpack_pack_uint32(pk, r->metric);
	msgpack_pack_uint32(pk, r->nhe_id);
	msgpack_pack_array(pk, n);
	for (unsigned int i = 0; i < n; i++) {
		const struct gw_nexthop *nh = &r->nh[i];

		msgpack_pack_array(pk, GW_STRUCT_NEXTHOP_LEN);
		msgpack_pack_uint8(pk, nh->type);
		msgpack_pack_uint32(pk, nh->vrf);
		msgpack_pack_uint32(pk, nh->ifindex);
		pk_addr(pk, &nh->gate);
		msgpack_pack_uint8(pk, nh->weight);
		msgpack_pack_uint32(pk, nh->flags);
		msgpack_pack_uint32(pk, nh->vni);
		msgpack_pack_uint8(pk, nh->bh_type);
	}
}

void gw_enc_addr(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		 const struct gw_addr *a, uint8_t plen)
{
	pk_head(pk, GW_BODY_ADDR_LEN, op, id);
	pk_ifref(pk, ifr);
	pk_addr(pk, a);
	msgpack_pack_uint8(pk, plen);
}

void gw_enc_mac(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		const struct gw_mac *m)
{
	struct gw_addr v4 = m->vtep;

	/* The schema's vtep is ip4; FRR 8.4 has no other kind. A missing one is sent as 0.0.0.0. */
	if (v4.len != 4) {
		memset(&v4, 0, sizeof(v4));
		v4.len = 4;
	}
	pk_head(pk, GW_BODY_MAC_LEN, op, id);
	pk_ifref(pk, ifr);
	msgpack_pack_bin(pk, 6);
	msgpack_pack_bin_body(pk, m->mac, 6);
	pk_addr(pk, &v4);
	msgpack_pack_uint16(pk, m->vlan);
	msgpack_pack_uint32(pk, m->br_ifindex);
	if (m->sticky)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

void gw_enc_neigh(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		  const struct gw_neigh *n)
{
	pk_head(pk, GW_BODY_NEIGH_LEN, op, id);
	pk_ifref(pk, ifr);
	pk_addr(pk, &n->ip);
	if (n->has_mac) {
		msgpack_pack_bin(pk, 6);
		msgpack_pack_bin_body(pk, n->mac, 6);
	} else {
		msgpack_pack_nil(pk);
	}
	msgpack_pack_uint32(pk, n->flags);
	msgpack_pack_uint32(pk, n->state);
}

void gw_enc_vtep(msgpack_packer *pk, enum gw_op op, uint32_t id, const struct gw_if_ref *ifr,
		 const struct gw_addr *vtep)
{
	pk_head(pk, GW_BODY_VTEP_LEN, op, id);
	pk_ifref(pk, ifr);
	pk_addr(pk, vtep);
}

void gw_enc_hello(msgpack_packer *pk, uint32_t seq, const char *frr_version, const char *instance, bool kernel,
		  uint32_t pid)
{
	pk_head(pk, GW_MSG_HELLO_LEN, GW_MSG_HELLO, seq);
	msgpack_pack_uint32(pk, GW_WIRE_VERSION);
	pk_str(pk, frr_version);
	pk_str(pk, instance);
	if (kernel)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	msgpack_pack_uint32(pk, pid);
}

bool gw_batch_full(size_t body_bytes, uint32_t ops, uint32_t max_ops)
{
	return ops >= max_ops || ops >= GW_MAX_BATCH_OPS || body_bytes > GW_MAX_BATCH_BODY_BYTES;
}

void gw_enc_batch_head(msgpack_packer *pk, uint32_t seq, uint32_t epoch, uint32_t count)
{
	pk_head(pk, GW_MSG_BATCH_LEN, GW_MSG_BATCH, seq);
	msgpack_pack_uint32(pk, epoch);
	msgpack_pack_array(pk, count);
}

void gw_enc_sync_begin(msgpack_packer *pk, uint32_t seq, uint32_t epoch)
{
	pk_head(pk, GW_MSG_SYNC_BEGIN_LEN, GW_MSG_SYNC_BEGIN, seq);
	msgpack_pack_uint32(pk, epoch);
}

void gw_enc_sync_end(msgpack_packer *pk, uint32_t seq, uint32_t epoch, uint32_t ops)
{
	pk_head(pk, GW_MSG_SYNC_END_LEN, GW_MSG_SYNC_END, seq);
	msgpack_pack_uint32(pk, epoch);
	msgpack_pack_uint32(pk, ops);
}

static int get_u32(const msgpack_object *o, uint32_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > UINT32_MAX)
		return -1;
	*v = (uint32_t)o->via.u64;
	return 0;
}

int gw_dec_reply(const msgpack_object *obj, struct gw_reply *r)
{
	const msgpack_object *a;
	uint32_t type, v;

	memset(r, 0, sizeof(*r));
	if (obj->type != MSGPACK_OBJECT_ARRAY || obj->via.array.size < 2)
		return -1;
	a = obj->via.array.ptr;
	if (get_u32(&a[0], &type) || get_u32(&a[1], &r->seq))
		return -1;
	r->type = type;
	switch (type) {
	case GW_MSG_HELLO_ACK:
		if (obj->via.array.size != GW_MSG_HELLO_ACK_LEN)
			return -1;
		return get_u32(&a[2], &r->schema) || get_u32(&a[3], &r->epoch) ? -1 : 0;
	case GW_MSG_RESULT:
		if (obj->via.array.size != GW_MSG_RESULT_LEN || a[2].type != MSGPACK_OBJECT_ARRAY ||
		    a[2].via.array.size > GW_MAX_RESULT_CODES)
			return -1;
		r->ncodes = a[2].via.array.size;
		r->codes = a[2].via.array.ptr;
		return 0;
	case GW_MSG_SYNC_DONE:
		if (obj->via.array.size != GW_MSG_SYNC_DONE_LEN)
			return -1;
		return get_u32(&a[2], &r->epoch) || get_u32(&a[3], &r->removed) ? -1 : 0;
	case GW_MSG_ERROR:
		if (obj->via.array.size != GW_MSG_ERROR_LEN || get_u32(&a[2], &v) || v > 255)
			return -1;
		r->code = (uint8_t)v;
		if (a[3].type == MSGPACK_OBJECT_STR) {
			size_t n = a[3].via.str.size;

			if (n > GW_MAX_ERROR_DETAIL)
				n = GW_MAX_ERROR_DETAIL;
			memcpy(r->detail, a[3].via.str.ptr, n);
			r->detail[n] = '\0';
		}
		return 0;
	default:
		return -1;
	}
}

uint8_t gw_reply_code(const struct gw_reply *r, uint32_t i)
{
	const msgpack_object *c;

	if (!r->codes || i >= r->ncodes)
		return GW_RES_INTERNAL;
	c = &r->codes[i];
	if (c->type != MSGPACK_OBJECT_POSITIVE_INTEGER || c->via.u64 > 255)
		return GW_RES_INTERNAL;
	return (uint8_t)c->via.u64;
}

static uint32_t be(const uint8_t *p, unsigned int n)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Skips one object at p[*off]; containers may not declare more elements than bytes remain. */
static int skip(const uint8_t *p, size_t n, size_t *off, int depth)
{
	uint8_t t;
	uint64_t count = 0, len = 0;
	unsigned int hdr = 1;
	bool map = false, container = false;

	if (depth > 8 || *off >= n)
		return -1;
	t = p[*off];
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
		len = 0;
	} else if ((t & 0xf0) == 0x80 || (t & 0xf0) == 0x90) {
		container = true;
		map = (t & 0xf0) == 0x80;
		count = t & 0x0f;
	} else if ((t & 0xe0) == 0xa0) {
		len = t & 0x1f;
	} else {
		switch (t) {
		case 0xc4: case 0xd9: hdr = 2; break;
		case 0xc5: case 0xda: hdr = 3; break;
		case 0xc6: case 0xdb: hdr = 5; break;
		case 0xcc: case 0xd0: len = 1; break;
		case 0xcd: case 0xd1: len = 2; break;
		case 0xca: case 0xce: case 0xd2: len = 4; break;
		case 0xcb: case 0xcf: case 0xd3: len = 8; break;
		case 0xdc: hdr = 3; container = true; break;
		case 0xdd: hdr = 5; container = true; break;
		case 0xde: hdr = 3; container = map = true; break;
		case 0xdf: hdr = 5; container = map = true; break;
		default: return -1; /* ext types: never on our wire */
		}
		if (n - *off < hdr)
			return -1;
		if (hdr > 1) {
			if (container)
				count = be(p + *off + 1, hdr - 1);
			else
				len = be(p + *off + 1, hdr - 1);
		}
	}
	*off += hdr;
	if (!container) {
		if (len > n - *off)
			return -1;
		*off += len;
		return 0;
	}
	if (map)
		count *= 2;
	if (count > n - *off)
		return -1;
	for (uint64_t i = 0; i < count; i++)
		if (skip(p, n, off, depth + 1))
			return -1;
	return 0;
}

int gw_msgpack_sane(const void *buf, size_t n)
{
	size_t off = 0;

	return skip(buf, n, &off, 0) == 0 && off == n ? 0 : -1;
}
