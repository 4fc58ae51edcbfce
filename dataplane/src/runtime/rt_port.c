/* SPDX-License-Identifier: Apache-2.0 */
/* Ports by DPDK device string, each with a kernel punt tap (net_tap) carrying the port's MAC and MTU.
 * af_packet/af_xdp bind their sockets in the netns current at probe time but start/promisc go by ifname in the
 * caller's netns, so probe + configure + start all run inside one setns() window on the control thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "rt_internal.h"

#define RX_DESC 1024
#define TX_DESC 1024

struct netns_guard {
	int saved;
};

static int netns_enter(const char *ns, struct netns_guard *g)
{
	g->saved = -1;
	if (!ns || !*ns)
		return 0;
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rt_set_error("netns %s: %s", ns, strerror(errno));
		return -ENOENT;
	}
	g->saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (g->saved < 0 || setns(fd, CLONE_NEWNET) < 0) {
		int err = errno;
		close(fd);
		if (g->saved >= 0)
			close(g->saved);
		g->saved = -1;
		rt_set_error("setns %s: %s", ns, strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}

static void netns_leave(struct netns_guard *g)
{
	if (g->saved < 0)
		return;
	if (setns(g->saved, CLONE_NEWNET) < 0)
		rte_panic("cannot return to the original netns: %s\n", strerror(errno));
	close(g->saved);
	g->saved = -1;
}

/* Probes a device string and returns its ethdev port id. */
static int probe(const char *devargs)
{
	/* PCI devices on the EAL allow-list were probed at init: -EEXIST, and their port is found below. */
	int rc = rte_dev_probe(devargs);
	if (rc < 0 && rc != -EEXIST) {
		rt_set_error("probe %s: %s", devargs, rte_strerror(-rc));
		return -ENODEV;
	}
	char name[RTE_DEV_NAME_MAX_LEN];
	snprintf(name, sizeof(name), "%s", devargs);
	char *comma = strchr(name, ',');
	if (comma)
		*comma = '\0';
	uint16_t pid;
	if (rte_eth_dev_get_port_by_name(name, &pid) == 0)
		return pid;
	struct rte_dev_iterator it;
	RTE_ETH_FOREACH_MATCHING_DEV(pid, devargs, &it) {
		rte_eth_iterator_cleanup(&it);
		return pid;
	}
	rt_set_error("probe %s: no ethdev port appeared", devargs);
	return -ENODEV;
}

static void unprobe(uint16_t pid)
{
	struct rte_eth_dev_info di;
	/* af_packet/af_xdp leave IFF_PROMISC on the kernel interface otherwise. */
	rte_eth_promiscuous_disable(pid);
	rte_eth_dev_stop(pid);
	bool have = rte_eth_dev_info_get(pid, &di) == 0 && di.device;
	rte_eth_dev_close(pid);
	if (have)
		rte_dev_remove(di.device);
}

static int setup(uint16_t pid, uint16_t mtu, bool promisc)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	int rc = rte_eth_dev_info_get(pid, &di);
	if (rc < 0)
		return rc;
	uint16_t n_txq = (uint16_t)RTE_MIN(rt.n_workers, di.max_tx_queues);
	if (n_txq == 0)
		n_txq = 1;
	rc = rte_eth_dev_configure(pid, 1, n_txq, &conf);
	/* Some drivers take only as many tx queues as rx queues (net_tap: its kernel side spreads what it sends over
	 * every rx queue, and we poll one). Then the workers share one tx queue under the port's lock. */
	if (rc < 0 && n_txq > 1) {
		n_txq = 1;
		rc = rte_eth_dev_configure(pid, 1, n_txq, &conf);
	}
	if (rc < 0) {
		rt_set_error("port %u configure: %s", pid, rte_strerror(-rc));
		return rc;
	}
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	int socket = rte_eth_dev_socket_id(pid);
	if (socket < 0)
		socket = (int)rte_socket_id();
	if ((rc = rte_eth_rx_queue_setup(pid, 0, nrx, (unsigned)socket, NULL, rt.pool)) < 0) {
		rt_set_error("port %u rx queue: %s", pid, rte_strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < n_txq; q++) {
		if ((rc = rte_eth_tx_queue_setup(pid, q, ntx, (unsigned)socket, NULL)) < 0) {
			rt_set_error("port %u tx queue %u: %s", pid, q, rte_strerror(-rc));
			return rc;
		}
	}
	/* In-memory vdevs (ring, null) have no MTU to set; the pipeline enforces the L3 MTU itself. */
	if ((rc = rte_eth_dev_set_mtu(pid, mtu)) < 0 && rc != -ENOTSUP) {
		rt_set_error("port %u mtu %u: %s", pid, mtu, rte_strerror(-rc));
		return rc;
	}
	if ((rc = rte_eth_dev_start(pid)) < 0) {
		rt_set_error("port %u start: %s", pid, rte_strerror(-rc));
		return rc;
	}
	if (promisc)
		rte_eth_promiscuous_enable(pid);
	rt.ports[pid].n_txq = n_txq;
	rte_spinlock_init(&rt.ports[pid].tx_lock);
	return 0;
}

static void fill_info(uint16_t pid)
{
	struct rt_port *p = &rt.ports[pid];
	struct rte_ether_addr mac;
	if (rte_eth_macaddr_get(pid, &mac) == 0 && !rte_is_zero_ether_addr(&mac))
		p->info.mac = mac;
}

/* Workers hold per-port rx lists: port changes happen with workers stopped and restart them after. */
static bool pause_workers(void)
{
	bool was = rt_workers_running();
	if (was)
		rt_workers_stop();
	return was;
}

static int resume_workers(bool was)
{
	rt_workers_assign();
	return was ? rt_workers_start() : 0;
}

int rt_port_add(const struct rt_port_conf *c, struct rt_port_info *out)
{
	if (!rt.eal_ready) {
		rt_set_error("EAL not initialised");
		return -EPERM;
	}
	for (uint16_t i = 0; i < GW_MAX_PORTS; i++) {
		if (rt.ports[i].used && (!strcmp(rt.ports[i].info.name, c->name) ||
					 !strcmp(rt.ports[i].info.tap_name, c->tap_name))) {
			rt_set_error("port or tap name %s in use", c->name);
			return -EEXIST;
		}
	}
	struct netns_guard g;
	int rc = netns_enter(c->netns, &g);
	if (rc < 0)
		return rc;
	bool was = pause_workers();
	int pid = probe(c->device), tid = -1;
	if (pid < 0) {
		rc = pid;
		goto fail;
	}
	if (pid >= GW_MAX_PORTS) {
		rt_set_error("port id %d above the dataplane limit %d", pid, GW_MAX_PORTS);
		rc = -ENOSPC;
		goto fail;
	}
	if ((rc = setup((uint16_t)pid, c->mtu, true)) < 0)
		goto fail;
	struct rte_ether_addr mac;
	rte_eth_macaddr_get((uint16_t)pid, &mac);
	if (rte_is_zero_ether_addr(&mac)) {
		/* In-memory vdevs have no address; the tap and the pipeline need a real one. */
		rte_eth_random_addr(mac.addr_bytes);
		rte_eth_dev_default_mac_addr_set((uint16_t)pid, &mac);
	}
	char tapargs[160], macs[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(macs, sizeof(macs), &mac);
	snprintf(tapargs, sizeof(tapargs), "net_tap_%s,iface=%s,mac=%s", c->tap_name, c->tap_name, macs);
	tid = probe(tapargs);
	if (tid < 0) {
		rc = tid;
		goto fail;
	}
	if (tid >= GW_MAX_PORTS) {
		rt_set_error("tap port id %d above the dataplane limit %d", tid, GW_MAX_PORTS);
		rc = -ENOSPC;
		goto fail;
	}
	if ((rc = setup((uint16_t)tid, c->mtu, false)) < 0)
		goto fail;
	struct rt_link link;
	rt_link_open(&link, c->device, c->tap_name);
	netns_leave(&g);

	struct rt_port *p = &rt.ports[pid], *t = &rt.ports[tid];
	p->used = t->used = true;
	p->is_tap = false;
	t->is_tap = true;
	p->peer = (uint16_t)tid;
	t->peer = (uint16_t)pid;
	snprintf(p->netns, sizeof(p->netns), "%s", c->netns ? c->netns : "");
	memcpy(t->netns, p->netns, sizeof(t->netns));
	struct rt_port_info *pi = &p->info;
	memset(pi, 0, sizeof(*pi));
	pi->port_id = (uint16_t)pid;
	pi->tap_port_id = (uint16_t)tid;
	pi->mtu = c->mtu;
	pi->vrf = c->vrf;
	snprintf(pi->name, sizeof(pi->name), "%s", c->name);
	snprintf(pi->tap_name, sizeof(pi->tap_name), "%s", c->tap_name);
	snprintf(pi->device, sizeof(pi->device), "%s", c->device);
	pi->mac = mac;
	p->link = link;
	pi->link_up = rt_link_read((uint16_t)pid, &p->link);
	if (!pi->link_up)
		rt_link_carrier(&p->link, false);
	t->info = *pi;
	fill_info((uint16_t)pid);
	fill_info((uint16_t)tid);

	struct gw_port_conf pc = {.mac = mac, .mtu = c->mtu, .vrf = c->vrf, .punt_port = (uint16_t)tid,
				  .is_punt = false, .up = pi->link_up};
	if ((rc = gw_dp_port_set(rt.dp, (uint16_t)pid, &pc)) < 0) {
		rt_set_error("pipeline rejected port %d: %s", pid, strerror(-rc));
		goto fail_tables;
	}
	pc.punt_port = (uint16_t)pid;
	pc.is_punt = true;
	if ((rc = gw_dp_port_set(rt.dp, (uint16_t)tid, &pc)) < 0) {
		rt_set_error("pipeline rejected tap port %d: %s", tid, strerror(-rc));
		gw_dp_port_del(rt.dp, (uint16_t)pid);
		goto fail_tables;
	}
	*out = *pi;
	/* The port's XSK sockets and the tap's queue fds exist now: children exec'd from here on must not hold them. */
	rt_fds_cloexec();
	return resume_workers(was);

fail_tables:
	p->used = t->used = false;
	rt_link_close(&p->link);
	if (netns_enter(c->netns, &g) < 0)
		return rc;
fail:
	if (tid >= 0)
		unprobe((uint16_t)tid);
	if (pid >= 0)
		unprobe((uint16_t)pid);
	netns_leave(&g);
	resume_workers(was);
	return rc;
}

int rt_port_del(uint16_t pid)
{
	if (pid >= GW_MAX_PORTS || !rt.ports[pid].used || rt.ports[pid].is_tap) {
		rt_set_error("no port %u", pid);
		return -ENOENT;
	}
	struct rt_port *p = &rt.ports[pid];
	uint16_t tid = p->peer;
	bool was = pause_workers();
	gw_dp_port_del(rt.dp, tid);
	gw_dp_port_del(rt.dp, pid);
	struct netns_guard g;
	/* A vanished netns must not keep the port alive: stop/close by port id still works, only ifname ioctls fail. */
	bool in_ns = netns_enter(p->netns, &g) == 0;
	unprobe(tid);
	unprobe(pid);
	if (in_ns)
		netns_leave(&g);
	rt.ports[tid].used = false;
	p->used = false;
	rt_link_close(&p->link);
	return resume_workers(was);
}

int rt_port_get(uint16_t pid, struct rt_port_info *out)
{
	if (pid >= GW_MAX_PORTS || !rt.ports[pid].used) {
		rt_set_error("no port %u", pid);
		return -ENOENT;
	}
	fill_info(pid);
	if (!rt.ports[pid].is_tap)
		rt_link_poll_port(pid);
	*out = rt.ports[pid].info;
	return 0;
}

unsigned rt_port_list(uint16_t *out, unsigned max)
{
	unsigned n = 0;
	for (uint16_t i = 0; i < GW_MAX_PORTS && n < max; i++)
		if (rt.ports[i].used && !rt.ports[i].is_tap)
			out[n++] = i;
	return n;
}

int rt_port_stats_get(uint16_t pid, struct rt_port_stats *s)
{
	struct rte_eth_stats st;
	if (pid >= GW_MAX_PORTS || !rt.ports[pid].used) {
		rt_set_error("no port %u", pid);
		return -ENOENT;
	}
	int rc = rte_eth_stats_get(pid, &st);
	if (rc < 0)
		return rc;
	*s = (struct rt_port_stats){st.ipackets, st.ibytes, st.opackets, st.obytes, st.imissed, st.ierrors,
				    st.oerrors, st.rx_nombuf};
	return 0;
}
