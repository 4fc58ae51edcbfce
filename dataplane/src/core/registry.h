/* SPDX-License-Identifier: Apache-2.0 */
/* The core's side of the module registry (module.h): calls every listed module in order (frees in reverse). */
#ifndef GW_REGISTRY_H
#define GW_REGISTRY_H

#include "core.h"

int gw_modules_init(void); /* -ENOENT when a hook point has no stage */
int gw_modules_dp_create(struct gw_dp *dp);
void gw_modules_dp_free(struct gw_dp *dp);
int gw_modules_worker_create(struct gw_worker *w);
void gw_modules_worker_free(struct gw_worker *w);
void gw_modules_port_changed(struct gw_dp *dp, uint16_t port);

#endif
