/* SPDX-License-Identifier: Apache-2.0 */
/* eth module: Ethernet input of physical ports (hook point GW_HOOK_PORT_INPUT). Modules plug the stage for
 * their ethertype in here (ip: IPv4, IPv6; punt: ARP); anything else is the drop eth_unknown_type. */
#ifndef GW_ETH_H
#define GW_ETH_H

#include "hooks.h"

#define GW_ETH_TYPES_MAX 8
/* Module init only. Types are tried in registration order: register the busiest first. */
int gw_eth_input_register(uint16_t ether_type /* host order */, gw_stage_fn fn);

#endif
