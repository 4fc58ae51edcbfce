/* SPDX-License-Identifier: Apache-2.0 */
/* DPDK opens its fds without O_CLOEXEC (net_tap's /dev/net/tun queues, af_xdp's XSK sockets and BPF maps, EAL
 * eventfds and pipes). Every process the agent execs afterwards (FRR daemons, ip, vtysh) would inherit them:
 * an FRR daemon that outlives a crashed agent then keeps the port's AF_XDP queue bound and the punt tap alive,
 * and the next agent cannot attach. So after each step that opens device fds, every fd of the process is
 * marked close-on-exec. Nothing in this process hands an fd to a child by inheritance: Node's spawn dup2()s
 * the stdio it passes, which clears the flag on the child's copy. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "rt_internal.h"

int rt_fds_cloexec(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int self = dirfd(d), marked = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end != '\0' || end == e->d_name || fd <= STDERR_FILENO || fd == self)
			continue;
		int flags = fcntl((int)fd, F_GETFD);
		if (flags < 0 || (flags & FD_CLOEXEC))
			continue;
		if (fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) == 0)
			marked++;
	}
	closedir(d);
	return marked;
}
