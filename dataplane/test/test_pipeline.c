/* SPDX-License-Identifier: Apache-2.0 */
#include "tests.h"
const struct gw_test gw_tests_pipeline[] = {{NULL, NULL}};
