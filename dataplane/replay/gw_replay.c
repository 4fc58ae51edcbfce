/* SPDX-License-Identifier: Apache-2.0 */
/* gw-replay: runs pcap packets through the pipeline offline (same code as the lcores), pcap timestamps as
 * the clock. Inputs are merged by timestamp (ties keep command-line order) and processed one packet at a
 * time, so the output is deterministic. Writes <out>/<port>.pcap per port (taps: <port>.tap.pcap, the punt
 * path), <out>/trace.jsonl (one line per input packet), <out>/counters.json and <out>/events.jsonl. */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "replay.h"

struct in_pkt {
	uint64_t ts_ns;
	unsigned order;
	uint16_t port;
	uint32_t len;
	uint8_t *data;
};

struct trace_ctx {
	FILE *f;
	const struct replay_cfg *cfg;
	uint64_t seq, ts_ns;
};

static void usage(void)
{
	fprintf(stderr, "usage: gw-replay --config gw.json --in PORT=file.pcap [--in PORT.tap=file.pcap ...] "
			"--out DIR [--memory MB (default: sized from the config)]\n");
	exit(2);
}

static const char *const decisions[] = {"", "forward", "punt", "icmp_error", "drop"};

static void on_trace(void *vctx, const struct gw_trace *t)
{
	struct trace_ctx *c = vctx;
	char in[48], out[48];
	fprintf(c->f, "{\"seq\":%lu,\"ts_ns\":%lu,\"in\":\"%s\",\"stages\":[", (unsigned long)c->seq,
		(unsigned long)c->ts_ns, replay_port_name(c->cfg, t->in_port, in, sizeof(in)) ?: "?");
	bool first = true;
	for (unsigned s = 0; s < GW_STAGE_MAX; s++)
		if (t->stages & (1u << s)) {
			fprintf(c->f, "%s\"%s\"", first ? "" : ",", gw_stage_name(s));
			first = false;
		}
	fprintf(c->f, "],\"decision\":\"%s\"", decisions[t->decision]);
	if (t->out_port != GW_PORT_NONE)
		fprintf(c->f, ",\"out\":\"%s\"", replay_port_name(c->cfg, t->out_port, out, sizeof(out)) ?: "?");
	else
		fprintf(c->f, ",\"out\":null");
	if (t->drop != GW_DROP_MAX)
		fprintf(c->f, ",\"reason\":\"%s\"", gw_drop_reason_name(t->drop));
	else
		fprintf(c->f, ",\"reason\":null");
	if (t->vpc != 0) { /* came decapsulated: the VPC classify decision (destination and peering once admitted) */
		fprintf(c->f, ",\"vpc\":{\"srcVrf\":%u", t->vpc - 1);
		if (t->peering)
			fprintf(c->f, ",\"dstVrf\":%u,\"peering\":%u}", t->dst_vrf, t->peering);
		else
			fprintf(c->f, ",\"dstVrf\":null,\"peering\":null}");
	}
	if (t->nat) { /* static NAT: the addresses the packet had before it (the packet that left has the new ones) */
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		const void *sa = t->nat_src.family == AF_INET ? (const void *)&t->nat_src.v4 : t->nat_src.v6;
		const void *da = t->nat_dst.family == AF_INET ? (const void *)&t->nat_dst.v4 : t->nat_dst.v6;
		inet_ntop(t->nat_src.family, sa, a, sizeof(a));
		inet_ntop(t->nat_dst.family, da, b, sizeof(b));
		fprintf(c->f, ",\"natStatic\":{\"source\":%s,\"destination\":%s,\"origSrc\":\"%s\",\"origDst\":\"%s\"}",
			t->nat & 1 ? "true" : "false", t->nat & 2 ? "true" : "false", a, b);
	}
	fprintf(c->f, ",\"nexthop\":%u,\"out_len\":%u}\n", t->nexthop, t->pkt ? rte_pktmbuf_pkt_len(t->pkt) : 0);
}

static int cmp_pkt(const void *a, const void *b)
{
	const struct in_pkt *x = a, *y = b;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int read_pcap(const char *file, uint16_t port, struct in_pkt **pkts, size_t *n, size_t *cap)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fprintf(stderr, "input: %s: %s\n", file, err);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "input: %s: link type must be Ethernet\n", file);
		pcap_close(pc);
		return -1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;
	while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*pkts = realloc(*pkts, *cap * sizeof(**pkts));
		}
		struct in_pkt *p = &(*pkts)[*n];
		p->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		p->order = (unsigned)*n;
		p->port = port;
		p->len = h->caplen;
		p->data = malloc(h->caplen ? h->caplen : 1);
		memcpy(p->data, d, h->caplen);
		(*n)++;
	}
	pcap_close(pc);
	return rc == PCAP_ERROR ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *config = NULL, *outdir = NULL, *mem = NULL;
	char *ins[64];
	unsigned n_in = 0;
	static const struct option opts[] = {{"config", required_argument, 0, 'c'}, {"in", required_argument, 0, 'i'},
					     {"out", required_argument, 0, 'o'}, {"memory", required_argument, 0, 'm'},
					     {0, 0, 0, 0}};
	int o;
	while ((o = getopt_long(argc, argv, "c:i:o:m:", opts, NULL)) != -1) {
		if (o == 'c')
			config = optarg;
		else if (o == 'i' && n_in < 64)
			ins[n_in++] = optarg;
		else if (o == 'o')
			outdir = optarg;
		else if (o == 'm')
			mem = optarg;
		else
			usage();
	}
	if (!config || !outdir || n_in == 0)
		usage();

	char mem_auto[16];
	if (!mem) {
		snprintf(mem_auto, sizeof(mem_auto), "%u", replay_config_memory_mb(config) ?: 256);
		mem = mem_auto;
	}
	char *eal[] = {"gw-replay", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0", "-m",
		       (char *)mem, "--log-level=*:error"};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "eal: init failed\n");
		return 1;
	}
	struct replay_cfg cfg;
	struct gw_dp *dp;
	if (replay_config_load(config, &cfg, &dp) < 0)
		return 2;

	struct in_pkt *pkts = NULL;
	size_t n = 0, cap = 0;
	for (unsigned i = 0; i < n_in; i++) {
		char *eq = strchr(ins[i], '=');
		if (!eq) {
			fprintf(stderr, "input: %s: expected PORT=file.pcap\n", ins[i]);
			return 2;
		}
		*eq = 0;
		int port = replay_port_by_name(&cfg, ins[i]);
		if (port < 0) {
			fprintf(stderr, "input: unknown port \"%s\"\n", ins[i]);
			return 2;
		}
		size_t before = n;
		if (read_pcap(eq + 1, (uint16_t)port, &pkts, &n, &cap) < 0)
			return 2;
		for (size_t k = before; k < n; k++)
			pkts[k].order = (unsigned)k;
	}
	qsort(pkts, n, sizeof(*pkts), cmp_pkt);

	mkdir(outdir, 0755);
	char path[4096], name[48];
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *dumpers[GW_MAX_PORTS] = {0};
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
		if (replay_port_name(&cfg, p, name, sizeof(name))) {
			snprintf(path, sizeof(path), "%s/%s.pcap", outdir, name);
			if (!(dumpers[p] = pcap_dump_open(dead, path))) {
				fprintf(stderr, "output: %s: %s\n", path, pcap_geterr(dead));
				return 1;
			}
		}
	snprintf(path, sizeof(path), "%s/trace.jsonl", outdir);
	struct trace_ctx tc = {.f = fopen(path, "w"), .cfg = &cfg};
	if (!tc.f) {
		perror(path);
		return 1;
	}

	struct rte_mempool *mp = rte_pktmbuf_pool_create("gw_replay", 511, 0, 0, 16384 + RTE_PKTMBUF_HEADROOM, 0);
	struct gw_worker *w = gw_worker_create(dp, 0);
	if (!mp || !w) {
		fprintf(stderr, "replay: no memory for mbufs/worker\n");
		return 1;
	}
	gw_worker_online(w);
	gw_worker_set_trace(w, on_trace, &tc);
	static struct gw_burst_out out;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (!m || pkts[i].len > 16384) {
			fprintf(stderr, "replay: packet %zu: %s\n", i + 1, m ? "longer than 16384 bytes" : "no mbuf");
			rc = 1;
			rte_pktmbuf_free(m);
			continue;
		}
		memcpy(rte_pktmbuf_append(m, (uint16_t)pkts[i].len), pkts[i].data, pkts[i].len);
		tc.seq = i + 1;
		tc.ts_ns = pkts[i].ts_ns;
		memset(out.n, 0, sizeof(out.n));
		gw_pipeline_process(w, pkts[i].port, &m, 1, pkts[i].ts_ns, &out);
		gw_worker_quiescent(w);
		for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
			for (uint16_t k = 0; k < out.n[p]; k++) {
				struct rte_mbuf *om = out.pkts[p][k];
				if (dumpers[p]) {
					static uint8_t buf[16384 + 256];
					uint32_t len = rte_pktmbuf_pkt_len(om);
					const void *d = rte_pktmbuf_read(om, 0, len, buf);
					struct pcap_pkthdr h = {.caplen = len, .len = len};
					h.ts.tv_sec = (time_t)(pkts[i].ts_ns / 1000000000ull);
					h.ts.tv_usec = (suseconds_t)(pkts[i].ts_ns % 1000000000ull);
					pcap_dump((u_char *)dumpers[p], &h, d);
				}
				rte_pktmbuf_free(om);
			}
		free(pkts[i].data);
	}
	fclose(tc.f);
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
		if (dumpers[p])
			pcap_dump_close(dumpers[p]);
	pcap_close(dead);

	snprintf(path, sizeof(path), "%s/counters.json", outdir);
	FILE *f = fopen(path, "w");
	fprintf(f, "{");
	bool firstp = true;
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		if (!replay_port_name(&cfg, p, name, sizeof(name)))
			continue;
		const struct gw_port_counters *c = gw_worker_counters(w, p);
		fprintf(f, "%s\"%s\":{\"rx_packets\":%lu,\"tx_packets\":%lu,\"punt_packets\":%lu,\"drops\":{", firstp ? "" : ",",
			name, (unsigned long)c->rx_packets, (unsigned long)c->tx_packets, (unsigned long)c->punt_packets);
		firstp = false;
		bool firstd = true;
		for (unsigned r = 0; r < GW_DROP_MAX; r++)
			if (c->drops[r]) {
				fprintf(f, "%s\"%s\":%lu", firstd ? "" : ",", gw_drop_reason_name(r), (unsigned long)c->drops[r]);
				firstd = false;
			}
		fprintf(f, "}}");
	}
	fprintf(f, "}\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/events.jsonl", outdir);
	f = fopen(path, "w");
	struct gw_event ev[64];
	unsigned ne;
	while ((ne = gw_dp_events_poll(dp, ev, 64)) > 0)
		for (unsigned k = 0; k < ne; k++) {
			char ip[64];
			inet_ntop(ev[k].ip.family, ev[k].ip.family == AF_INET ? (void *)&ev[k].ip.v4 : ev[k].ip.v6, ip,
				  sizeof(ip));
			fprintf(f, "{\"type\":\"neigh_miss\",\"port\":\"%s\",\"ip\":\"%s\"}\n",
				replay_port_name(&cfg, ev[k].port, name, sizeof(name)) ?: "?", ip);
		}
	fclose(f);
	free(pkts);
	gw_worker_offline(w);
	gw_worker_free(w);
	gw_dp_free(dp);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return rc;
}
