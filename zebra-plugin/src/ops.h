// SPDX-License-Identifier: GPL-2.0-or-later
/* Which zebra dataplane operations the plugin streams, and as which wire op (wire/schema.yaml). */
#ifndef GW_OPS_H
#define GW_OPS_H

#include "zebra/zebra_dplane.h"

#include "gw_wire.h"

/* No wire op: the operation is not streamed. Never a value of enum gw_op (those start at 1). */
#define GW_OP_NONE 0

/* The wire op for a zebra operation, or GW_OP_NONE. The one table: op_handled() is derived from it, so an
 * operation is either streamed under its own name or not at all (never under another op's name). */
int gw_wire_op(enum dplane_op_e op);

#endif
