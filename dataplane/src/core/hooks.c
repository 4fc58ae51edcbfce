/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "hooks.h"

struct gw_hooks gw_hooks;

int gw_hook_set(enum gw_hook h, gw_stage_fn fn)
{
	if (h >= GW_HOOK_MAX || !fn)
		return -EINVAL;
	if (gw_hooks.stage[h] && gw_hooks.stage[h] != fn)
		return -EEXIST;
	gw_hooks.stage[h] = fn;
	return 0;
}

int gw_hook_burst_set(gw_burst_fn fn)
{
	if (gw_hooks.burst_prepare && gw_hooks.burst_prepare != fn)
		return -EEXIST;
	gw_hooks.burst_prepare = fn;
	return 0;
}

int gw_chain_add(enum gw_chain_point pt, gw_filter_fn fn)
{
	if (pt >= GW_CHAIN_POINTS || !fn)
		return -EINVAL;
	struct gw_chain *c = &gw_hooks.chain[pt];
	for (unsigned i = 0; i < c->n; i++)
		if (c->fn[i] == fn)
			return 0;
	if (c->n == GW_CHAIN_MAX)
		return -ENOSPC;
	c->fn[c->n++] = fn;
	return 0;
}
