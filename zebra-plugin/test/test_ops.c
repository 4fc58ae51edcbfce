// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The zebra op -> wire op table (src/ops.c), built against FRR's headers with ASan+UBSan: each streamed
 * operation keeps its own wire op, and every other zebra operation (LSP, PW, NH, rule, interface, TC, ...)
 * maps to none, never to a wire op that would make the agent act on it (an unknown op sent as VTEP_DELETE
 * removed a VTEP). One test (the table), however many CHECKs: ends with "1 passed, 0 failed" or "0 passed, 1 failed".
 */
#include "config.h"

#include <stdio.h>

#include "lib/zebra.h"

#include "ops.h"

static int passed, failed;

#define CHECK(cond, ...)                                                                                 \
	do {                                                                                             \
		if (cond) {                                                                              \
			passed++;                                                                        \
		} else {                                                                                 \
			failed++;                                                                        \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                            \
			fprintf(stderr, __VA_ARGS__);                                                    \
			fputc('\n', stderr);                                                             \
		}                                                                                        \
	} while (0)

int main(void)
{
	static const struct {
		enum dplane_op_e dop;
		int wire;
	} streamed[] = {
		{ DPLANE_OP_ROUTE_INSTALL, GW_OP_ROUTE_INSTALL }, { DPLANE_OP_ROUTE_UPDATE, GW_OP_ROUTE_UPDATE },
		{ DPLANE_OP_ROUTE_DELETE, GW_OP_ROUTE_DELETE },	  { DPLANE_OP_ADDR_INSTALL, GW_OP_ADDR_INSTALL },
		{ DPLANE_OP_ADDR_UNINSTALL, GW_OP_ADDR_UNINSTALL }, { DPLANE_OP_MAC_INSTALL, GW_OP_MAC_INSTALL },
		{ DPLANE_OP_MAC_DELETE, GW_OP_MAC_DELETE },	  { DPLANE_OP_NEIGH_INSTALL, GW_OP_NEIGH_INSTALL },
		{ DPLANE_OP_NEIGH_UPDATE, GW_OP_NEIGH_UPDATE },	  { DPLANE_OP_NEIGH_DELETE, GW_OP_NEIGH_DELETE },
		{ DPLANE_OP_VTEP_ADD, GW_OP_VTEP_ADD },		  { DPLANE_OP_VTEP_DELETE, GW_OP_VTEP_DELETE },
	};
	int hits[GW_OP_VTEP_DELETE + 1] = { 0 };

	for (size_t i = 0; i < sizeof(streamed) / sizeof(streamed[0]); i++)
		CHECK(gw_wire_op(streamed[i].dop) == streamed[i].wire, "%s %d -> %d, want %d",
		      "op", (int)streamed[i].dop, gw_wire_op(streamed[i].dop), streamed[i].wire);
	/* Every zebra op up to the last one FRR 8.4 defines (DPLANE_OP_TC_DELETE): at most one per wire op. */
	for (int op = DPLANE_OP_NONE; op <= DPLANE_OP_TC_DELETE; op++) {
		int w = gw_wire_op((enum dplane_op_e)op);

		CHECK(w >= GW_OP_NONE && w <= GW_OP_VTEP_DELETE, "op %d -> %d out of range", op, w);
		if (w > GW_OP_NONE && w <= GW_OP_VTEP_DELETE)
			hits[w]++;
	}
	for (int w = GW_OP_ROUTE_INSTALL; w <= GW_OP_VTEP_DELETE; w++)
		CHECK(hits[w] == 1, "wire op %d is produced by %d zebra ops (want exactly 1)", w, hits[w]);
	CHECK(gw_wire_op(DPLANE_OP_NONE) == GW_OP_NONE, "DPLANE_OP_NONE is streamed");
	CHECK(gw_wire_op(DPLANE_OP_LSP_INSTALL) == GW_OP_NONE, "LSP_INSTALL is streamed");
	CHECK(gw_wire_op(DPLANE_OP_NH_DELETE) == GW_OP_NONE, "NH_DELETE is streamed");
	CHECK(gw_wire_op(DPLANE_OP_TC_DELETE) == GW_OP_NONE, "TC_DELETE is streamed");
	CHECK(gw_wire_op((enum dplane_op_e)1000) == GW_OP_NONE, "an op beyond FRR's list is streamed");
	printf("%s op table (%d checks, %d failed)\n", failed ? "FAIL" : "ok", passed + failed, failed);
	printf("%d passed, %d failed\n", failed ? 0 : 1, failed ? 1 : 0);
	return failed ? 1 : 0;
}
