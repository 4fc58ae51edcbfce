/* SPDX-License-Identifier: Apache-2.0 */
/* Port link state, polled on the control thread (never in workers). A port is up when its ethdev reports link
 * up and, for a device on a kernel interface (af_xdp/af_packet "iface=", whose PMDs report "up" from start on
 * whatever the wire does), when that interface is running (IFF_RUNNING: admin up and carrier, so a veth whose
 * peer went down counts as down). A change is published to the pipeline (gw_port_conf.up: its routes' nexthops
 * leave their ECMP groups, a route left with none drops as port_down) and mirrored onto the punt tap's carrier,
 * so the kernel and FRR (zebra) see the interface go down and up as they would a NIC's.
 * The sockets are opened inside the port's netns window at attach time: a socket stays in the netns it was
 * created in, so polling needs no setns. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "rt_internal.h"

void rt_link_open(struct rt_link *l, const char *device, const char *tap_name)
{
	memset(l, 0, sizeof(*l));
	l->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	l->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	const char *at = strstr(device, "iface=");
	if (at) {
		at += strlen("iface=");
		size_t n = strcspn(at, ",");
		if (n < sizeof(l->ifname))
			memcpy(l->ifname, at, n);
	}
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap_name);
	if (l->sock >= 0 && ioctl(l->sock, SIOCGIFINDEX, &ifr) == 0)
		l->tap_ifindex = ifr.ifr_ifindex;
}

void rt_link_close(struct rt_link *l)
{
	if (l->sock >= 0)
		close(l->sock);
	if (l->nl >= 0)
		close(l->nl);
	l->sock = l->nl = -1;
}

bool rt_link_read(uint16_t pid, const struct rt_link *l)
{
	struct rte_eth_link link;
	bool up = rte_eth_link_get_nowait(pid, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
	if (up && l->ifname[0] && l->sock >= 0) {
		struct ifreq ifr = {0};
		memcpy(ifr.ifr_name, l->ifname, sizeof(l->ifname));
		if (ioctl(l->sock, SIOCGIFFLAGS, &ifr) == 0)
			up = (ifr.ifr_flags & IFF_RUNNING) != 0;
	}
	return up;
}

/* RTM_NEWLINK with IFLA_CARRIER (tun/tap implements carrier changes since Linux 5.0). */
int rt_link_carrier(const struct rt_link *l, bool on)
{
	if (l->nl < 0 || l->tap_ifindex <= 0)
		return -ENODEV;
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		struct rtattr a;
		uint8_t v;
		uint8_t pad[3];
	} req = {
		.h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
		.i = {.ifi_family = AF_UNSPEC, .ifi_index = l->tap_ifindex},
		.a = {.rta_len = RTA_LENGTH(1), .rta_type = IFLA_CARRIER},
		.v = on,
	};
	if (send(l->nl, &req, sizeof(req), 0) < 0)
		return -errno;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
		char rest[256];
	} ack;
	ssize_t n = recv(l->nl, &ack, sizeof(ack), 0);
	if (n < (ssize_t)(sizeof(ack.h) + sizeof(ack.e)) || ack.h.nlmsg_type != NLMSG_ERROR)
		return -EIO;
	return ack.e.error;
}

static void link_apply(uint16_t pid, bool up)
{
	struct rt_port *p = &rt.ports[pid];
	struct gw_port_conf c;
	p->info.link_up = up;
	rt.ports[p->peer].info.link_up = up;
	if (gw_dp_port_get(rt.dp, pid, &c) == 0 && c.up != up) {
		c.up = up;
		gw_dp_port_set(rt.dp, pid, &c);
	}
	int rc = rt_link_carrier(&p->link, up);
	if (rc < 0 && rc != -ENODEV)
		fprintf(stderr, "dataplane: port %s: tap %s carrier %s: %s\n", p->info.name, p->info.tap_name,
			up ? "on" : "off", strerror(-rc));
}

bool rt_link_poll_port(uint16_t pid)
{
	struct rt_port *p = &rt.ports[pid];
	bool up = rt_link_read(pid, &p->link);
	if (up == p->info.link_up)
		return false;
	link_apply(pid, up);
	return true;
}

unsigned rt_ports_link_poll(void)
{
	unsigned changed = 0;
	if (!rt.eal_ready || !rt.dp)
		return 0;
	for (uint16_t i = 0; i < GW_MAX_PORTS; i++)
		if (rt.ports[i].used && !rt.ports[i].is_tap)
			changed += rt_link_poll_port(i);
	return changed;
}
