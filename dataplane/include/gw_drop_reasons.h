/* SPDX-License-Identifier: Apache-2.0 */
/* Named drop reasons: the X-macro list is the single source; TS reads the same list through the addon
 * (dropReasons()) so names never diverge. Add new reasons at the end of the list. */
#ifndef GW_DROP_REASONS_H
#define GW_DROP_REASONS_H

#define GW_DROP_REASONS(X)                                                                                  \
	X(ETH_TOO_SHORT, "eth_too_short")                                                                  \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_type")                                                            \
	X(ETH_NOT_FOR_US, "eth_not_for_us")                                                                \
	X(IP4_TOO_SHORT, "ip4_too_short")                                                                  \
	X(IP4_BAD_VERSION, "ip4_bad_version")                                                              \
	X(IP4_BAD_IHL, "ip4_bad_ihl")                                                                      \
	X(IP4_BAD_LENGTH, "ip4_bad_length")                                                                \
	X(IP4_BAD_CHECKSUM, "ip4_bad_checksum")                                                            \
	X(IP4_BAD_SOURCE, "ip4_bad_source")                                                                \
	X(IP6_TOO_SHORT, "ip6_too_short")                                                                  \
	X(IP6_BAD_VERSION, "ip6_bad_version")                                                              \
	X(IP6_BAD_LENGTH, "ip6_bad_length")                                                                \
	X(TTL_EXCEEDED, "ttl_exceeded")                                                                    \
	X(NO_ROUTE, "no_route")                                                                            \
	X(BLACKHOLE, "blackhole")                                                                          \
	X(REJECT, "reject")                                                                                \
	X(MTU_EXCEEDED, "mtu_exceeded")                                                                    \
	X(NEIGH_MISS, "neigh_miss")                                                                        \
	X(NEXTHOP_INVALID, "nexthop_invalid")                                                              \
	X(PORT_DOWN, "port_down")                                                                          \
	X(ICMP_RATE_LIMITED, "icmp_rate_limited")                                                          \
	X(NO_MBUF, "no_mbuf")                                                                              \
	X(PUNT_NO_TAP, "punt_no_tap")                                                                      \
	X(ICMP_NO_SOURCE, "icmp_no_source")                                                                \
	X(IP6_BAD_SOURCE, "ip6_bad_source")                                                                \
	X(PORT_UNKNOWN, "port_unknown")                                                                    \
	X(VRF_UNKNOWN, "vrf_unknown")                                                                      \
	X(BURST_OVERFLOW, "burst_overflow")

enum gw_drop_reason {
#define GW_DROP_ENUM(e, s) GW_DROP_##e,
	GW_DROP_REASONS(GW_DROP_ENUM)
#undef GW_DROP_ENUM
	GW_DROP_MAX
};

#endif
