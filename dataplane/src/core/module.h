/* SPDX-License-Identifier: Apache-2.0 */
/* The module registry. src/modules/modules.def lists the modules (one GW_MODULE(name) line each, in
 * dependency order); each module defines `const struct gw_module gw_module_<name>` and the core calls its
 * functions: init once per process (register stages at hook points), then per dp and per worker create/free
 * in list order (free in reverse), and port_changed after every port publish. A module keeps its tables in
 * dp->mod[GW_MOD_<name>] and its per-worker state in w->mod[GW_MOD_<name>]. */
#ifndef GW_MODULE_H
#define GW_MODULE_H

#include <stdint.h>

struct gw_dp;
struct gw_worker;

enum gw_module_id {
#define GW_MODULE(name) GW_MOD_##name,
#include "modules.def"
#undef GW_MODULE
	GW_MOD_MAX
};

struct gw_module {
	const char *name;
	void (*init)(void);                       /* once per process, before the first dp: hook registrations */
	int (*dp_create)(struct gw_dp *dp);       /* 0 or a negative errno; dp->p is filled and checked */
	void (*dp_free)(struct gw_dp *dp);        /* readers gone; also after a failed or partial create */
	int (*worker_create)(struct gw_worker *w);
	void (*worker_free)(struct gw_worker *w);
	void (*port_changed)(struct gw_dp *dp, uint16_t port); /* control thread, after the port was republished */
};

#define GW_MODULE(name) extern const struct gw_module gw_module_##name;
#include "modules.def"
#undef GW_MODULE

#endif
