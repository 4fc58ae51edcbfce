/* SPDX-License-Identifier: Apache-2.0 */
/* UDP/IPv4 traffic generator for the veth benchmarks: AF_PACKET + PACKET_QDISC_BYPASS + sendmmsg in batches of
 * 64 (kernel pktgen is not built into these kernels). Same generator for the kernel-forwarding baseline and for
 * the gateway, so the ratio compares forwarding paths only.
 *   gen <ifname> <dst-mac> <src-ip> <dst-ip> <frame-bytes> <seconds> [pps|0] [flows] [batch]
 * A paced run (pps > 0) should use small batches: a burst of 64 overflows veth's 256-frame XDP ring whenever
 * softirq is late, which would be counted against whatever is being measured.
 * Prints {"sent":N,"seconds":S}. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t csum(const void *p, size_t n)
{
	const uint16_t *w = p;
	uint32_t s = 0;
	for (; n > 1; n -= 2)
		s += *w++;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: %s ifname dst-mac src-ip dst-ip frame-bytes seconds [pps] [flows]\n", argv[0]);
		return 2;
	}
	unsigned size = (unsigned)atoi(argv[5]);
	double secs = atof(argv[6]);
	double pps = argc > 7 ? atof(argv[7]) : 0;
	unsigned flows = argc > 8 ? (unsigned)atoi(argv[8]) : 1;
	unsigned batch = argc > 9 ? (unsigned)atoi(argv[9]) : BATCH;
	if (size < 60 || size > 1514 || flows == 0 || batch == 0 || batch > BATCH) {
		fprintf(stderr, "frame-bytes 60..1514, flows >= 1, batch 1..%d\n", BATCH);
		return 2;
	}
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		perror("socket");
		return 1;
	}
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]), .sll_halen = 6};
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("bind");
		return 1;
	}
	static uint8_t frames[BATCH][1514];
	struct ether_header eh;
	if (sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &eh.ether_dhost[0], &eh.ether_dhost[1], &eh.ether_dhost[2],
		   &eh.ether_dhost[3], &eh.ether_dhost[4], &eh.ether_dhost[5]) != 6) {
		fprintf(stderr, "bad mac\n");
		return 2;
	}
	memcpy(eh.ether_shost, "\x02\x00\x00\x00\x00\x01", 6);
	eh.ether_type = htons(ETHERTYPE_IP);
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	for (unsigned i = 0; i < BATCH; i++) {
		uint8_t *f = frames[i];
		memcpy(f, &eh, sizeof(eh));
		struct iphdr *ip = (struct iphdr *)(f + sizeof(eh));
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons((uint16_t)(size - sizeof(eh)));
		inet_pton(AF_INET, argv[3], &ip->saddr);
		inet_pton(AF_INET, argv[4], &ip->daddr);
		ip->check = csum(ip, sizeof(*ip));
		struct udphdr *u = (struct udphdr *)(ip + 1);
		u->source = htons((uint16_t)(10000 + i % flows));
		u->dest = htons(9);
		u->len = htons((uint16_t)(size - sizeof(eh) - sizeof(*ip)));
		u->check = 0; /* optional for IPv4 */
		iov[i] = (struct iovec){.iov_base = f, .iov_len = size};
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long sent = 0;
	double t0 = now(), end = t0 + secs;
	for (;;) {
		double t = now();
		if (t >= end)
			break;
		if (pps > 0 && (double)sent > (t - t0) * pps) {
			usleep(50);
			continue;
		}
		int n = sendmmsg(fd, msg, batch, 0);
		if (n > 0)
			sent += (unsigned long long)n;
	}
	printf("{\"sent\":%llu,\"seconds\":%.6f}\n", sent, now() - t0);
	return 0;
}
