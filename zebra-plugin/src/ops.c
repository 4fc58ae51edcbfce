// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include "lib/zebra.h"

#include "ops.h"

int gw_wire_op(enum dplane_op_e op)
{
	switch (op) {
	case DPLANE_OP_ROUTE_INSTALL:
		return GW_OP_ROUTE_INSTALL;
	case DPLANE_OP_ROUTE_UPDATE:
		return GW_OP_ROUTE_UPDATE;
	case DPLANE_OP_ROUTE_DELETE:
		return GW_OP_ROUTE_DELETE;
	case DPLANE_OP_ADDR_INSTALL:
		return GW_OP_ADDR_INSTALL;
	case DPLANE_OP_ADDR_UNINSTALL:
		return GW_OP_ADDR_UNINSTALL;
	case DPLANE_OP_MAC_INSTALL:
		return GW_OP_MAC_INSTALL;
	case DPLANE_OP_MAC_DELETE:
		return GW_OP_MAC_DELETE;
	case DPLANE_OP_NEIGH_INSTALL:
		return GW_OP_NEIGH_INSTALL;
	case DPLANE_OP_NEIGH_UPDATE:
		return GW_OP_NEIGH_UPDATE;
	case DPLANE_OP_NEIGH_DELETE:
		return GW_OP_NEIGH_DELETE;
	case DPLANE_OP_VTEP_ADD:
		return GW_OP_VTEP_ADD;
	case DPLANE_OP_VTEP_DELETE:
		return GW_OP_VTEP_DELETE;
	default:
		return GW_OP_NONE;
	}
}
