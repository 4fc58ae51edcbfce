/* SPDX-License-Identifier: Apache-2.0 */
/* punt module: linux-cp style kernel path. Owns the hook points GW_HOOK_LOCAL (a packet for the gateway goes,
 * unchanged, to the ingress port's kernel tap) and GW_HOOK_TAP_INPUT (what the kernel sends on a tap leaves,
 * unchanged, through the physical port the tap mirrors), and takes ARP from eth. No API of its own. */
#ifndef GW_PUNT_H
#define GW_PUNT_H
#endif
