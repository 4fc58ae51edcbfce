/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the table item decoders (tables/gen/gw_tables.h, generated from tables.yaml) and the
 * address parser they share (tables/gw_addr.h), fed as the addon feeds them: the input builds a JS-like value
 * (undefined, null, boolean, number, string, array, object with the decoders' property names and others) and a
 * gw_tbl_reader reads it with the addon's conversion rules (gw_tbl_u32_of_double, gw_tbl_str_fits), so no JS
 * engine is needed. Checked for every item:
 *  - the answer is ok or invalid; invalid names a field of the item ("members[].weight: ..."), ok names none;
 *  - decoding is deterministic, and the key decoder accepts (with the same key) whatever the full decoder does;
 *  - an accepted item is within tables.yaml's ranges (ids >= 1, ports < 32, 1..64 members, weights >= 1, prefix
 *    length within the family, host bits clear, a group exactly for unicast);
 *  - every accepted address, prefix and MAC text is made of its grammar's characters only and survives the round
 *    trip through its canonical text (inet_ntop; lower-case MAC): parse(format(x)) = x, and IPv4 text is accepted
 *    only in its canonical spelling.
 * Every string of the value also goes through the three parsers directly, with the same checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gw_tables.h"

#define EXPECT(c, ...)                                                                                      \
	do {                                                                                                \
		if (!(c)) {                                                                                 \
			fprintf(stderr, "fuzz_decode: %s (%s:%d): ", #c, __FILE__, __LINE__);               \
			fprintf(stderr, __VA_ARGS__);                                                       \
			fputc('\n', stderr);                                                                \
			abort();                                                                            \
		}                                                                                           \
	} while (0)

/* ---- a JS-like value ---- */
enum vt { V_UNDEF, V_NULL, V_BOOL, V_NUM, V_STR, V_ARR, V_OBJ };
#define ARR_MAX (GW_TBL_MAX_MEMBERS + 2)
#define OBJ_MAX 8
#define STR_MAX 96
struct val {
	enum vt t;
	double num;
	size_t slen;
	char s[STR_MAX];
	unsigned n;
	struct val *el[ARR_MAX];
	unsigned key[OBJ_MAX]; /* enum gw_tbl_key, or GW_TK_MAX for a property no decoder reads */
};
#define POOL 2048
static struct val pool[POOL];
static unsigned used;

struct in {
	const uint8_t *d;
	size_t n, i;
};
static uint8_t u8(struct in *in) { return in->i < in->n ? in->d[in->i++] : 0; }
static void bytes(struct in *in, void *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)out)[i] = u8(in);
}

static const char *const tags[] = {"unicast", "blackhole", "reject", "local", "add", "del", "Unicast", "", "add "};

/* Strings: raw bytes (NUL included: a JS string may hold one), or address-shaped text the fuzzer then bends. */
static void gen_str(struct in *in, struct val *v)
{
	uint8_t mode = u8(in) % 8, b[16];
	char t[STR_MAX];
	t[0] = 0;
	switch (mode) {
	case 0: case 1: case 2:
		v->slen = u8(in) % (STR_MAX - 16);
		bytes(in, v->s, v->slen);
		return;
	case 3: case 4: {
		bytes(in, b, mode == 3 ? 4 : 16);
		inet_ntop(mode == 3 ? AF_INET : AF_INET6, b, t, sizeof(t));
		uint8_t l = u8(in);
		if (l < 0xc0)
			snprintf(t + strlen(t), sizeof(t) - strlen(t), l & 0x80 ? "/0%u" : "/%u", (l & 0x7f) % 140);
		break;
	}
	case 5:
		bytes(in, b, 6);
		snprintf(t, sizeof(t), u8(in) & 1 ? "%02X:%02x:%02x:%02x:%02x:%02X" : "%02x:%02x:%02x:%02x:%02x:%02x", b[0],
			 b[1], b[2], b[3], b[4], b[5]);
		break;
	case 6:
		snprintf(t, sizeof(t), "%s", tags[u8(in) % (sizeof(tags) / sizeof(tags[0]))]);
		break;
	case 7: /* address text with one byte replaced, inserted or cut */
		bytes(in, b, 16);
		inet_ntop(u8(in) & 1 ? AF_INET6 : AF_INET, b, t, sizeof(t));
		break;
	}
	v->slen = strlen(t);
	memcpy(v->s, t, v->slen);
	uint8_t edit = u8(in);
	if (edit >= 0xa0 && v->slen > 0) {
		size_t at = u8(in) % (v->slen + 1);
		char c = (char)u8(in);
		if (edit < 0xc0 && at < v->slen)
			v->s[at] = c;
		else if (edit < 0xe0 && v->slen + 1 < STR_MAX) {
			memmove(v->s + at + 1, v->s + at, v->slen - at);
			v->s[at] = c;
			v->slen++;
		} else if (at < v->slen) {
			v->slen = at;
		}
	}
}

static const double specials[] = {-1, -0.0, 0.5, 4294967295.0, 4294967296.0, NAN, INFINITY, -INFINITY, 65535, 65536,
				  1e300, -1e-300, 31, 32, 64, 65, 1.0000001};

static struct val *gen(struct in *in, unsigned depth)
{
	if (used == POOL)
		return &pool[0];
	struct val *v = &pool[used++];
	memset(v, 0, sizeof(*v));
	uint8_t b = u8(in);
	v->t = depth >= 4 && b % 8 >= V_ARR ? V_NUM : (enum vt)(b % 8 == 7 ? V_OBJ : b % 8);
	switch (v->t) {
	case V_BOOL:
		v->num = u8(in) & 1;
		break;
	case V_NUM: {
		uint8_t m = u8(in) % 6;
		if (m == 0)
			v->num = u8(in);
		else if (m == 1 || m == 2) {
			uint8_t q[4] = {0};
			bytes(in, q + (m == 1 ? 2 : 0), m == 1 ? 2 : 4);
			v->num = (double)((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]);
		} else if (m == 3)
			bytes(in, &v->num, sizeof(v->num));
		else if (m == 4)
			v->num = specials[u8(in) % (sizeof(specials) / sizeof(specials[0]))];
		else
			v->num = (double)u8(in) - 128;
		break;
	}
	case V_STR:
		gen_str(in, v);
		break;
	case V_ARR: {
		uint8_t nb = u8(in);
		v->n = nb >= 0xfc ? GW_TBL_MAX_MEMBERS - 2 + (nb - 0xfc) : nb % 5; /* 62..65 elements, or 0..4 */
		for (unsigned i = 0; i < v->n; i++)
			v->el[i] = gen(in, depth + 1);
		break;
	}
	case V_OBJ:
		v->n = u8(in) % (OBJ_MAX + 1);
		for (unsigned i = 0; i < v->n; i++) {
			v->key[i] = u8(in) % (GW_TK_MAX + 1);
			v->el[i] = gen(in, depth + 1);
		}
		break;
	default:
		break;
	}
	return v;
}

/* ---- the reader: JS semantics as the addon's (addon/tables.cc) ---- */
static const void *rd_get(void *ctx, const void *obj, unsigned key)
{
	(void)ctx;
	const struct val *o = obj;
	const struct val *found = NULL;
	if (!o || o->t != V_OBJ) /* arrays are objects without these properties: absent too */
		return NULL;
	for (unsigned i = 0; i < o->n; i++)
		if (o->key[i] == key)
			found = o->el[i]; /* the last one wins, as in a JS object literal */
	return found && found->t != V_UNDEF ? found : NULL;
}

static int rd_u32(void *ctx, const void *v, uint32_t *out)
{
	(void)ctx;
	const struct val *x = v;
	return x->t == V_NUM ? gw_tbl_u32_of_double(x->num, out) : -1;
}

/* napi_get_value_string_utf8: copies at most len - 1 bytes and terminates them. */
static int rd_str(void *ctx, const void *v, char *buf, size_t len)
{
	(void)ctx;
	const struct val *x = v;
	if (x->t != V_STR)
		return -1;
	size_t n = x->slen < len - 1 ? x->slen : len - 1;
	memcpy(buf, x->s, n);
	buf[n] = 0;
	return gw_tbl_str_fits(buf, n, len);
}

static long rd_len(void *ctx, const void *v)
{
	(void)ctx;
	const struct val *x = v;
	return x->t == V_ARR ? (long)x->n : -1;
}

static const void *rd_at(void *ctx, const void *v, size_t i)
{
	(void)ctx;
	const struct val *x = v;
	return i < x->n ? x->el[i] : NULL;
}

/* ---- text checks ---- */
static bool over(const struct val *s, const char *alphabet)
{
	for (size_t i = 0; i < s->slen; i++)
		if (!s->s[i] || !strchr(alphabet, s->s[i]))
			return false;
	return true;
}

static void ip_text(const struct gw_ip *ip, char *t, size_t len)
{
	EXPECT(inet_ntop(ip->family, ip->family == AF_INET ? (const void *)&ip->v4 : ip->v6, t, (socklen_t)len),
	       "an accepted address has no text form (family %u)", ip->family);
}

static bool same_ip(const struct gw_ip *a, const struct gw_ip *b)
{
	return a->family == b->family &&
	       (a->family == AF_INET ? a->v4 == b->v4 : a->family == AF_INET6 ? !memcmp(a->v6, b->v6, 16) : true);
}

/* s (a string value) was accepted as ip. */
static void accepted_ip(const struct val *s, const struct gw_ip *ip)
{
	char t[INET6_ADDRSTRLEN];
	struct gw_ip back;
	EXPECT(ip->family == AF_INET || ip->family == AF_INET6, "family %u", ip->family);
	EXPECT(over(s, "0123456789abcdefABCDEF:."), "accepted address text of %zu bytes ('%.*s' up to a NUL) has characters no "
	       "address has", s->slen, (int)s->slen, s->s);
	ip_text(ip, t, sizeof(t));
	EXPECT(gw_parse_ip(t, &back) == 0 && same_ip(&back, ip), "canonical '%s' does not parse back", t);
	if (ip->family == AF_INET)
		EXPECT(s->slen == strlen(t) && !memcmp(s->s, t, s->slen), "IPv4 '%.*s' accepted, canonical is '%s'",
		       (int)s->slen, s->s, t);
}

static void accepted_prefix(const struct val *s, const struct gw_ip *p, uint8_t plen)
{
	char t[INET6_ADDRSTRLEN + 8];
	struct gw_ip back;
	uint8_t blen;
	unsigned width = p->family == AF_INET ? 32 : 128;
	EXPECT(p->family == AF_INET || p->family == AF_INET6, "family %u", p->family);
	EXPECT(plen <= width, "length %u for IPv%u", plen, p->family == AF_INET ? 4 : 6);
	const uint8_t *b = p->family == AF_INET ? (const uint8_t *)&p->v4 : p->v6;
	for (unsigned bit = plen; bit < width; bit++)
		EXPECT(!(b[bit >> 3] & (0x80u >> (bit & 7))), "host bit %u set in an accepted prefix", bit);
	EXPECT(over(s, "0123456789abcdefABCDEF:./"), "accepted prefix text of %zu bytes ('%.*s' up to a NUL) has characters no "
	       "prefix has", s->slen, (int)s->slen, s->s);
	ip_text(p, t, sizeof(t));
	snprintf(t + strlen(t), sizeof(t) - strlen(t), "/%u", plen);
	EXPECT(gw_parse_prefix(t, &back, &blen) == 0 && same_ip(&back, p) && blen == plen,
	       "canonical '%s' does not parse back", t);
}

static void accepted_mac(const struct val *s, const struct rte_ether_addr *m)
{
	char t[18], lower[STR_MAX];
	struct rte_ether_addr back;
	snprintf(t, sizeof(t), "%02x:%02x:%02x:%02x:%02x:%02x", m->addr_bytes[0], m->addr_bytes[1], m->addr_bytes[2],
		 m->addr_bytes[3], m->addr_bytes[4], m->addr_bytes[5]);
	for (size_t i = 0; i < s->slen; i++)
		lower[i] = (char)(s->s[i] >= 'A' && s->s[i] <= 'F' ? s->s[i] - 'A' + 'a' : s->s[i]);
	EXPECT(s->slen == 17 && !memcmp(lower, t, 17), "MAC '%.*s' accepted as %s", (int)s->slen, s->s, t);
	EXPECT(gw_parse_mac(t, &back) == 0 && !memcmp(&back, m, sizeof(back)), "canonical MAC %s does not parse back", t);
}

/* Every string through the parsers directly (as C strings: what a reader hands them when the string fits). */
static void check_string(const struct val *s)
{
	char buf[GW_TBL_STR_MAX];
	size_t n = s->slen < sizeof(buf) - 1 ? s->slen : sizeof(buf) - 1;
	memcpy(buf, s->s, n);
	buf[n] = 0;
	if (gw_tbl_str_fits(buf, n, sizeof(buf)))
		return;
	struct gw_ip ip, ip2;
	uint8_t plen;
	struct rte_ether_addr mac;
	if (gw_parse_ip(buf, &ip) == 0)
		accepted_ip(s, &ip);
	if (gw_parse_prefix(buf, &ip, &plen) == 0) {
		accepted_prefix(s, &ip, plen);
		/* the address part alone is an address, and the prefix is it with the host bits cleared */
		char a[GW_TBL_STR_MAX];
		size_t alen = (size_t)(strchr(buf, '/') - buf);
		memcpy(a, buf, alen);
		a[alen] = 0;
		EXPECT(gw_parse_ip(a, &ip2) == 0 && ip2.family == ip.family, "prefix '%s' accepted, its address is not", buf);
	}
	if (gw_parse_mac(buf, &mac) == 0)
		accepted_mac(s, &mac);
}

/* ---- items ---- */
static const char *const fields[] = {"vrf:", "id:", "port:", "gateway:", "members:", "members[].nexthop:",
				     "members[].weight:", "prefix:", "target:", "target.group:", "op:", "ip:", "mac:", "ip6:", "vni:",
				     "vtep:"};

static void check_refusal(int rc, const struct gw_tbl_reader *r)
{
	EXPECT(rc == GW_TR_OK || rc == GW_TR_INVALID, "decoder answered %d", rc);
	if (rc == GW_TR_OK) {
		EXPECT(r->why == NULL, "accepted with a reason '%s'", r->why);
		return;
	}
	EXPECT(r->why != NULL, "refused without naming a field");
	bool named = false;
	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		named |= !strncmp(r->why, fields[i], strlen(fields[i]));
	EXPECT(named, "refusal '%s' names no field of the schema", r->why);
}

static struct gw_tbl_reader reader(void) { return (struct gw_tbl_reader){NULL, rd_get, rd_u32, rd_str, rd_len, rd_at, rd_u32, NULL}; }

/* Runs decode twice (determinism) and checks the answer; returns it. */
#define DECODE(fn, v, it)                                                                                   \
	({                                                                                                  \
		struct gw_tbl_reader r1 = reader(), r2 = reader();                                          \
		__typeof__(*(it)) again;                                                                    \
		memset(it, 0x5a, sizeof(*(it)));                                                            \
		memset(&again, 0xa5, sizeof(again));                                                        \
		int rc1 = fn(&r1, v, it), rc2 = fn(&r2, v, &again);                                         \
		check_refusal(rc1, &r1);                                                                    \
		EXPECT(rc1 == rc2 && (rc1 || !memcmp(it, &again, sizeof(again))), #fn " is not deterministic"); \
		rc1;                                                                                        \
	})

static const struct val *field(const struct val *o, unsigned key) { return rd_get(NULL, o, key); }

/* The vxlan tables (which 250..255, so the older seeds keep their table): IPv4-only fields stay IPv4. */
static void vxlan_item(unsigned which, const struct val *v)
{
	switch (which) {
	case 0: case 1: {
		struct gw_tbl_vteps_item it, k;
		if (which == 1 || DECODE(gw_tbl_vteps_decode, v, &it)) {
			if (which == 1 && DECODE(gw_tbl_vteps_key_decode, v, &k) == GW_TR_OK)
				EXPECT(k.ip.family == AF_INET, "a VTEP key of family %u", k.ip.family);
			break;
		}
		EXPECT(it.ip.family == AF_INET && (it.ip6.family == 0 || it.ip6.family == AF_INET6), "vtep families %u/%u",
		       it.ip.family, it.ip6.family);
		accepted_ip(field(v, GW_TK_IP), &it.ip);
		accepted_mac(field(v, GW_TK_MAC), &it.mac);
		if (field(v, GW_TK_IP6))
			accepted_ip(field(v, GW_TK_IP6), &it.ip6);
		break;
	}
	case 2: case 3: {
		struct gw_tbl_vnis_item it, k;
		if (which == 3) {
			DECODE(gw_tbl_vnis_key_decode, v, &k);
			break;
		}
		if (DECODE(gw_tbl_vnis_decode, v, &it) == GW_TR_OK)
			EXPECT(it.vni >= 1 && it.vni <= 0xffffff, "vni %u", it.vni);
		break;
	}
	default: {
		struct gw_tbl_tunnels_item it, k;
		if (which == 5) {
			DECODE(gw_tbl_tunnels_key_decode, v, &k);
			break;
		}
		if (DECODE(gw_tbl_tunnels_decode, v, &it))
			break;
		EXPECT(it.id >= 1 && it.vni >= 1 && it.vni <= 0xffffff && it.vtep.family == AF_INET, "tunnel %u vni %u family %u",
		       it.id, it.vni, it.vtep.family);
		accepted_ip(field(v, GW_TK_VTEP), &it.vtep);
		accepted_mac(field(v, GW_TK_MAC), &it.mac);
		EXPECT(DECODE(gw_tbl_tunnels_key_decode, field(v, GW_TK_ID), &k) == GW_TR_OK && k.id == it.id,
		       "a tunnel's key is refused alone");
	}
	}
}

static void item(uint8_t which, const struct val *v)
{
	if (which >= 250)
		return vxlan_item(which - 250u, v);
	switch (which % 10) {
	case 0: {
		struct gw_tbl_vrfs_item it;
		DECODE(gw_tbl_vrfs_key_decode, v, &it);
		break;
	}
	case 1: case 2: {
		struct gw_tbl_nexthops_item it, k;
		if (which % 10 == 2) {
			DECODE(gw_tbl_nexthops_key_decode, v, &k);
			break;
		}
		if (DECODE(gw_tbl_nexthops_decode, v, &it))
			break;
		EXPECT(it.id >= 1 && it.port < GW_TBL_MAX_PORTS, "nexthop id %u port %u", it.id, it.port);
		EXPECT(DECODE(gw_tbl_nexthops_key_decode, field(v, GW_TK_ID), &k) == GW_TR_OK && k.id == it.id,
		       "a nexthop's key is refused alone");
		if (field(v, GW_TK_GATEWAY))
			accepted_ip(field(v, GW_TK_GATEWAY), &it.gateway);
		else
			EXPECT(it.gateway.family == 0, "an absent gateway decoded as family %u", it.gateway.family);
		break;
	}
	case 3: case 4: {
		struct gw_tbl_groups_item it, k;
		if (which % 10 == 4) {
			DECODE(gw_tbl_groups_key_decode, v, &k);
			break;
		}
		if (DECODE(gw_tbl_groups_decode, v, &it))
			break;
		EXPECT(it.id >= 1 && it.n_members >= 1 && it.n_members <= GW_TBL_MAX_MEMBERS, "group %u with %u members",
		       it.id, it.n_members);
		EXPECT((long)it.n_members == rd_len(NULL, field(v, GW_TK_MEMBERS)), "member count differs from the list");
		for (unsigned i = 0; i < it.n_members; i++)
			EXPECT(it.members[i].nexthop >= 1 && it.members[i].weight >= 1, "member %u: nexthop %u weight %u", i,
			       it.members[i].nexthop, it.members[i].weight);
		EXPECT(DECODE(gw_tbl_groups_key_decode, field(v, GW_TK_ID), &k) == GW_TR_OK && k.id == it.id,
		       "a group's key is refused alone");
		break;
	}
	case 5: case 6: case 7: {
		struct gw_tbl_routes_item it, k;
		uint8_t op = 0xee;
		int rc;
		if (which % 10 == 5) {
			struct gw_tbl_reader r1 = reader();
			memset(&it, 0x5a, sizeof(it));
			rc = gw_tbl_routes_apply_decode(&r1, v, &op, &it);
			check_refusal(rc, &r1);
			if (rc == GW_TR_OK)
				EXPECT(op == GW_TBL_ROUTES_ADD || op == GW_TBL_ROUTES_DEL, "op %u", op);
		} else if (which % 10 == 7) {
			rc = DECODE(gw_tbl_routes_key_decode, v, &it);
			op = GW_TBL_ROUTES_DEL;
		} else {
			rc = DECODE(gw_tbl_routes_decode, v, &it);
			op = GW_TBL_ROUTES_ADD;
		}
		if (rc)
			break;
		accepted_prefix(field(v, GW_TK_PREFIX), &it.prefix, it.prefix_len);
		EXPECT(DECODE(gw_tbl_routes_key_decode, v, &k) == GW_TR_OK && k.vrf == it.vrf &&
		       same_ip(&k.prefix, &it.prefix) && k.prefix_len == it.prefix_len, "a route's key is refused alone");
		if (op == GW_TBL_ROUTES_ADD) {
			EXPECT(it.target.kind >= GW_ROUTE_UNICAST && it.target.kind <= GW_ROUTE_LOCAL, "kind %d",
			       it.target.kind);
			EXPECT((it.target.kind == GW_ROUTE_UNICAST) == (it.target.group != 0),
			       "kind %d with group %u", it.target.kind, it.target.group);
		}
		break;
	}
	default: {
		struct gw_tbl_neighbors_item it, k;
		if (which % 10 == 9) {
			DECODE(gw_tbl_neighbors_key_decode, v, &k);
			break;
		}
		if (DECODE(gw_tbl_neighbors_decode, v, &it))
			break;
		EXPECT(it.port < GW_TBL_MAX_PORTS, "port %u", it.port);
		accepted_ip(field(v, GW_TK_IP), &it.ip);
		accepted_mac(field(v, GW_TK_MAC), &it.mac);
		EXPECT(DECODE(gw_tbl_neighbors_key_decode, v, &k) == GW_TR_OK && k.port == it.port && same_ip(&k.ip, &it.ip),
		       "a neighbor's key is refused alone");
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	struct in in = {data, size, 0};
	uint8_t which = u8(&in);
	used = 0;
	const struct val *v = gen(&in, 0);
	item(which, v);
	for (unsigned i = 0; i < used; i++)
		if (pool[i].t == V_STR)
			check_string(&pool[i]);
	return 0;
}
