/* SPDX-License-Identifier: Apache-2.0 */
/* Incremental Internet checksum update (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')). Words are taken as stored
 * (network order): one's complement sums commute with byte swapping, so no conversion is needed. A rewrite
 * collects the (~m + m') terms of every word it changes into one delta, applied to each checksum that covers
 * them. */
#ifndef GW_NAT_CSUM_H
#define GW_NAT_CSUM_H

#include <stdint.h>
#include <string.h>

static inline uint16_t nat_ld16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t nat_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* Stores the 16-bit word nw at p and adds its change to *delta. */
static inline void nat_set16(uint8_t *p, uint16_t nw, uint32_t *delta)
{
	*delta += (uint16_t)~nat_ld16(p) + (uint32_t)nw;
	memcpy(p, &nw, 2);
}

/* Stores the 4-byte address nw (network order) at p and adds its change to *delta. */
static inline void nat_set32(uint8_t *p, uint32_t nw, uint32_t *delta)
{
	uint16_t w[2];
	memcpy(w, &nw, 4);
	nat_set16(p, w[0], delta);
	nat_set16(p + 2, w[1], delta);
}

/* The checksum at ck after the words it covers changed by delta; *delta_out gets the checksum field's own change
 * (for a checksum that covers this one: an ICMP error's, over the embedded header). */
static inline void nat_csum_apply(uint8_t *ck, uint32_t delta, uint32_t *delta_out)
{
	uint16_t n = (uint16_t)~nat_fold((uint16_t)~nat_ld16(ck) + delta);
	if (delta_out)
		nat_set16(ck, n, delta_out);
	else
		memcpy(ck, &n, 2);
}

/* UDP (RFC 768): a zero checksum means "none" and stays zero; a computed zero is sent as all ones. */
static inline void nat_udp_csum_apply(uint8_t *ck, uint32_t delta, uint32_t *delta_out)
{
	if (nat_ld16(ck) == 0)
		return;
	uint16_t n = (uint16_t)~nat_fold((uint16_t)~nat_ld16(ck) + delta);
	if (n == 0)
		n = 0xffff;
	if (delta_out)
		nat_set16(ck, n, delta_out);
	else
		memcpy(ck, &n, 2);
}

#endif
