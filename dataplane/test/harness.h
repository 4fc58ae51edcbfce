/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal C test harness: each test is a function; CHECK records failures without aborting the run. */
#ifndef GW_TEST_HARNESS_H
#define GW_TEST_HARNESS_H
#include <stdio.h>

extern int gw_t_failed_checks;
#define CHECK(cond)                                                                                         \
	do {                                                                                                \
		if (!(cond)) {                                                                              \
			gw_t_failed_checks++;                                                               \
			fprintf(stderr, "  CHECK failed %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
		}                                                                                           \
	} while (0)
#define CHECK_EQ(a, b)                                                                                      \
	do {                                                                                                \
		long long _a = (long long)(a), _b = (long long)(b);                                         \
		if (_a != _b) {                                                                             \
			gw_t_failed_checks++;                                                               \
			fprintf(stderr, "  CHECK failed %s:%d: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
				#a, #b, _a, _b);                                                            \
		}                                                                                           \
	} while (0)

struct gw_test {
	const char *name;
	void (*fn)(void);
};
#endif
