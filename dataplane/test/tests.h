/* SPDX-License-Identifier: Apache-2.0 */
#ifndef GW_TESTS_H
#define GW_TESTS_H
#include <errno.h>
#include "harness.h"
#include "gw_dp.h"
extern const struct gw_test gw_tests_fib[];
extern const struct gw_test gw_tests_pipeline[];
extern const struct gw_test gw_tests_ingress[];
extern const struct gw_test gw_tests_tables[];
extern const struct gw_test gw_tests_unnumbered[];
extern const struct gw_test gw_tests_vxlan[];
extern const struct gw_test gw_tests_vpc[];
extern const struct gw_test gw_tests_nat_static[];

/* test_vpc.c: a port in the VRF of its number, with a resolved nexthop/group of that number for a VPC port */
bool gwt_vpc_port(struct gw_dp *dp, uint16_t port);
#endif
