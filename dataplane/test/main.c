/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include <rte_eal.h>

#include "harness.h"
#include "tests.h"

int gw_t_failed_checks;

int main(void)
{
	char *args[] = {"gw-test", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0", "-m", "512",
			"--log-level=lib.eal:error"};
	if (rte_eal_init((int)(sizeof(args) / sizeof(args[0])), args) < 0) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	const struct gw_test *suites[] = {gw_tests_fib, gw_tests_pipeline, gw_tests_ingress, gw_tests_tables, gw_tests_unnumbered, gw_tests_vxlan,
					    gw_tests_vpc, gw_tests_nat_static};
	int passed = 0, failed = 0;
	for (unsigned s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
		for (const struct gw_test *t = suites[s]; t->name; t++) {
			int before = gw_t_failed_checks;
			t->fn();
			bool ok = gw_t_failed_checks == before;
			printf("%s %s\n", ok ? "ok  " : "FAIL", t->name);
			ok ? passed++ : failed++;
		}
	rte_eal_cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
