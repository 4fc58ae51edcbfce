/* SPDX-License-Identifier: Apache-2.0 */
/* The module list (modules.def) as a static array, and the calls the core makes through it. */
#include <errno.h>
#include <pthread.h>

#include "hooks.h"
#include "registry.h"

static const struct gw_module *const modules[GW_MOD_MAX] = {
#define GW_MODULE(name) [GW_MOD_##name] = &gw_module_##name,
#include "modules.def"
#undef GW_MODULE
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_all(void)
{
	for (unsigned i = 0; i < GW_MOD_MAX; i++)
		if (modules[i]->init)
			modules[i]->init();
}

int gw_modules_init(void)
{
	pthread_once(&init_once, init_all);
	for (unsigned h = 0; h < GW_HOOK_MAX; h++)
		if (!gw_hooks.stage[h])
			return -ENOENT; /* a module the pipeline needs is not in the list */
	return 0;
}

int gw_modules_dp_create(struct gw_dp *dp)
{
	for (unsigned i = 0; i < GW_MOD_MAX; i++) {
		int rc = modules[i]->dp_create ? modules[i]->dp_create(dp) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

void gw_modules_dp_free(struct gw_dp *dp)
{
	for (unsigned i = GW_MOD_MAX; i-- > 0;)
		if (modules[i]->dp_free)
			modules[i]->dp_free(dp);
}

int gw_modules_worker_create(struct gw_worker *w)
{
	for (unsigned i = 0; i < GW_MOD_MAX; i++) {
		int rc = modules[i]->worker_create ? modules[i]->worker_create(w) : 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

void gw_modules_worker_free(struct gw_worker *w)
{
	for (unsigned i = GW_MOD_MAX; i-- > 0;)
		if (modules[i]->worker_free)
			modules[i]->worker_free(w);
}

void gw_modules_port_changed(struct gw_dp *dp, uint16_t port)
{
	for (unsigned i = 0; i < GW_MOD_MAX; i++)
		if (modules[i]->port_changed)
			modules[i]->port_changed(dp, port);
}
