/* SPDX-License-Identifier: Apache-2.0 */
#ifndef GW_REPLAY_H
#define GW_REPLAY_H
#include <stdint.h>
#include "gw_dp.h"

/* Physical port i of the config is dataplane port i; its punt tap is port GW_REPLAY_TAP_BASE + i. */
#define GW_REPLAY_MAX_PHY 16
#define GW_REPLAY_TAP_BASE 16

struct replay_cfg {
	unsigned n_ports;
	char names[GW_REPLAY_MAX_PHY][32];
	struct gw_dp_params params;
};

/* Reads the gateway config into cfg (sizes) then programs dp; on error prints "config: <where>: <what>"
 * to stderr and returns -1. */
int replay_config_load(const char *path, struct replay_cfg *cfg, struct gw_dp **dp_out);
/* EAL memory (MB) the config's tables need (read before EAL exists); 0 if the file cannot be read. */
unsigned replay_config_memory_mb(const char *path);
/* Port name for a dataplane port id ("eth1", or "eth1.tap" for its tap); NULL if unknown. */
const char *replay_port_name(const struct replay_cfg *cfg, uint16_t port, char *buf, size_t len);
int replay_port_by_name(const struct replay_cfg *cfg, const char *name);
#endif
