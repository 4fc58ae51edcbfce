/* SPDX-License-Identifier: Apache-2.0 */
/* Address text <-> struct gw_ip, shared by the addon, gw-replay and the generated table decoders so that every
 * edge accepts the same strings (agent/src/dataplane/addr.ts is the TS twin). Plain C, also compiled as C++. */
#ifndef GW_ADDR_H
#define GW_ADDR_H

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "gw_dp.h"

/* 0, or -1 when s is neither an IPv4 nor an IPv6 address. */
static inline int gw_parse_ip(const char *s, struct gw_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, &ip->v4) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->v6) == 1) {
		ip->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* "address/len" with len 0..32 or 0..128 (1-3 digits); host bits are cleared. 0 or -1. */
static inline int gw_parse_prefix(const char *s, struct gw_ip *ip, uint8_t *plen)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : 0, llen = slash ? strlen(slash + 1) : 0;
	unsigned len = 0;
	if (!slash || alen >= sizeof(addr) || llen < 1 || llen > 3)
		return -1;
	for (size_t i = 1; i <= llen; i++) {
		if (slash[i] < '0' || slash[i] > '9')
			return -1;
		len = len * 10 + (unsigned)(slash[i] - '0');
	}
	memcpy(addr, s, alen);
	addr[alen] = 0;
	if (gw_parse_ip(addr, ip) < 0)
		return -1;
	unsigned max = ip->family == AF_INET ? 32 : 128;
	if (len > max)
		return -1;
	uint8_t *b = ip->family == AF_INET ? (uint8_t *)&ip->v4 : ip->v6;
	for (unsigned bit = len; bit < max; bit++)
		b[bit >> 3] &= (uint8_t)~(0x80u >> (bit & 7));
	*plen = (uint8_t)len;
	return 0;
}

static inline int gw_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx" (hex, either case). 0 or -1. */
static inline int gw_parse_mac(const char *s, struct rte_ether_addr *mac)
{
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = gw_hex_digit(s[i * 3]), lo = gw_hex_digit(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -1;
		mac->addr_bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

#endif
