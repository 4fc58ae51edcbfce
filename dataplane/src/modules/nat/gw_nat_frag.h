/* SPDX-License-Identifier: Apache-2.0 */
/* Fragments of stateful (napt) flows: the first fragment carries the ports, so only it can be matched to a
 * session; later fragments follow the translation the first one got, by (source VPC, original source,
 * original destination, protocol, fragment id), from a bounded per-worker table of recent first fragments.
 * Worker-side API for the napt module (called from its stages, on the worker that handles the packet). */
#ifndef GW_NAT_FRAG_PUBLIC_H
#define GW_NAT_FRAG_PUBLIC_H

#include "packet.h"

#define GW_NAT_FRAG_WAYS 4
#define GW_NAT_FRAG_BUCKETS 256          /* per worker: 1024 datagrams in flight */
#define GW_NAT_FRAG_LIFETIME_NS 5000000000ull /* a record lives this long after its last fragment */

/* After napt translated a FIRST fragment (IPv4 offset 0 with MF; IPv6: a fragment header right after the fixed
 * header, offset 0, M set): p holds the translated packet, orig_src/orig_dst the addresses it arrived with (4 or
 * 16 bytes). Later fragments of that datagram get the same addresses and md->session = p->md->session.
 * Anything else is ignored. */
void gw_nat_frag_note(struct gw_worker *w, const struct gw_pkt *p, const uint8_t *orig_src, const uint8_t *orig_dst);

/* napt, for a LATER fragment it would have to translate but that no record followed (the first fragment was not
 * seen, was seen on another worker, or the record aged out): the named, counted drop nat_frag_no_state. */
void gw_nat_frag_drop_unfollowed(struct gw_worker *w, struct gw_pkt *p);

/* True when the packet at p->l3 is a later fragment (IPv4 offset != 0; IPv6 fragment header right after the
 * fixed header with offset != 0). */
bool gw_nat_frag_is_later(const struct gw_pkt *p);

#endif
