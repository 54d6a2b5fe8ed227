/* parse_bench: how fast zsip parses a message and reads what a transaction
 * and a dialog need.
 *
 *   tests/bench/parse_bench [--check] [--iters N] FILE...
 *
 * Reads each file (one raw SIP message) once, then parses each N times
 * (default 1000) and, for each parse, reads the request method and URI or
 * the status code, the top Via branch and sent-by host, the From and To
 * tags, Call-ID, CSeq number and method, the first Contact URI, Content-Length
 * and Max-Forwards. Prints "FILE: ns_per_msg=X" per file and, last,
 * "total: msgs=N ns_per_msg=X mb_per_s=Y".
 *
 * The driver mirrors ../shared/peer-bench/bench_main.c (same buffers, same
 * clock, same output) so that the figures compare with the peer parsers;
 * --iters 0 parses nothing, for subtracting the setup cost under callgrind.
 * --check prints the fields read from each file in the peer drivers' format
 * (to diff against them) and exits 1 when a file does not parse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zsip.h>

struct keyfields {
	struct zsip_str method, ruri;
	int status;
	struct zsip_str via_branch, via_host, from_tag, to_tag, call_id;
	uint32_t cseq;
	struct zsip_str cseq_method, contact;
	long content_length;
	int max_forwards;
};

static volatile size_t sink;

/* Parses one message and reads the key fields into *k. 0 or a ZSIP_E* code. */
static int parse_one(struct zsip_msg *m, const char *buf, size_t len, struct keyfields *k)
{
	int rc = zsip_msg_parse(m, buf, len, NULL);
	if (rc < 0)
		return rc;
	if (m->is_request) {
		k->method = m->method;
		k->ruri = m->ruri_str;
	} else {
		k->status = m->status;
	}
	k->via_branch = m->via.branch;
	k->via_host = m->via.host;
	k->from_tag = m->from.tag;
	k->to_tag = m->to.tag;
	k->call_id = m->call_id;
	k->cseq = m->cseq.num;
	k->cseq_method = m->cseq.method;
	struct zsip_contact c;
	if (zsip_msg_contact(m, &c) == 0)
		k->contact = c.star ? ZSIP_STR("*") : c.addr.uri.raw;
	k->content_length = m->content_length;
	k->max_forwards = m->max_forwards;
	return 0;
}

static void touch(const struct keyfields *k)
{
	sink += k->method.len + k->ruri.len + (size_t)k->status + k->via_branch.len +
		k->via_host.len + k->from_tag.len + k->to_tag.len + k->call_id.len + k->cseq +
		k->cseq_method.len + k->contact.len + (size_t)k->content_length +
		(size_t)k->max_forwards;
}

static void show(const char *name, struct zsip_str s)
{
	printf("  %s: %.*s\n", name, (int)s.len, s.p ? s.p : "");
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long iters = 1000;
	int check = 0, first = 1;
	while (first < argc && argv[first][0] == '-') {
		if (!strcmp(argv[first], "--check")) {
			check = 1;
		} else if (!strcmp(argv[first], "--iters") && first + 1 < argc) {
			char *end;
			iters = strtol(argv[++first], &end, 10);
			if (*end != '\0' || iters < 0) {
				fprintf(stderr, "parse_bench: bad --iters %s\n", argv[first]);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: %s [--check] [--iters N] FILE...\n", argv[0]);
			return 2;
		}
		first++;
	}
	int nfiles = argc - first;
	if (nfiles <= 0) {
		fprintf(stderr, "usage: %s [--check] [--iters N] FILE...\n", argv[0]);
		return 2;
	}
	char **bufs = calloc((size_t)nfiles, sizeof *bufs);
	size_t *lens = calloc((size_t)nfiles, sizeof *lens);
	struct zsip_msg *msg = malloc(sizeof *msg);
	if (!bufs || !lens || !msg) {
		fprintf(stderr, "parse_bench: out of memory\n");
		return 2;
	}
	size_t total_bytes = 0;
	for (int i = 0; i < nfiles; i++) {
		FILE *f = fopen(argv[first + i], "rb");
		if (!f) {
			perror(argv[first + i]);
			return 2;
		}
		bufs[i] = malloc(1 << 16);
		if (!bufs[i]) {
			fprintf(stderr, "parse_bench: out of memory\n");
			return 2;
		}
		lens[i] = fread(bufs[i], 1, (1 << 16) - 1, f);
		bufs[i][lens[i]] = '\0'; /* as the peer driver does; zsip does not need it */
		fclose(f);
		total_bytes += lens[i];
	}

	/* one untimed pass: every file must parse, or the figures mean nothing */
	int failures = 0;
	for (int i = 0; i < nfiles; i++) {
		struct keyfields k;
		memset(&k, 0, sizeof k);
		k.max_forwards = -1;
		int rc = parse_one(msg, bufs[i], lens[i], &k);
		if (rc < 0) {
			failures++;
			fprintf(stderr, "%s: invalid: %s (offset %zu)\n", argv[first + i],
				zsip_strerror(rc), msg->err_off);
		}
		if (check) {
			printf("zsip %s: %s\n", argv[first + i], rc < 0 ? "REJECTED" : "ok");
			if (rc == 0) {
				show("method", k.method);
				show("ruri", k.ruri);
				printf("  status: %d\n", k.status);
				show("via_branch", k.via_branch);
				show("via_host", k.via_host);
				show("from_tag", k.from_tag);
				show("to_tag", k.to_tag);
				show("call_id", k.call_id);
				printf("  cseq: %u\n", (unsigned)k.cseq);
				show("cseq_method", k.cseq_method);
				show("contact", k.contact);
				printf("  content_length: %ld\n  max_forwards: %d\n", k.content_length,
				       k.max_forwards);
			}
		}
	}
	if (check)
		return failures ? 1 : 0;

	double total_ns = 0;
	for (int i = 0; i < nfiles; i++) {
		double t0 = now_ns();
		for (long r = 0; r < iters; r++) {
			struct keyfields k;
			memset(&k, 0, sizeof k);
			if (parse_one(msg, bufs[i], lens[i], &k) == 0)
				touch(&k);
		}
		double dt = now_ns() - t0;
		total_ns += dt;
		if (iters)
			printf("%s: ns_per_msg=%.0f\n", argv[first + i], dt / (double)iters);
	}
	long msgs = iters * nfiles;
	if (msgs)
		printf("total: msgs=%ld ns_per_msg=%.1f mb_per_s=%.1f\n", msgs, total_ns / (double)msgs,
		       (double)total_bytes * (double)iters / (total_ns / 1e9) / 1e6);
	else
		printf("total: msgs=0 ns_per_msg=0.0 mb_per_s=0.0\n");
	for (int i = 0; i < nfiles; i++)
		free(bufs[i]);
	free(bufs);
	free(lens);
	free(msg);
	/* 0 even when a file was rejected (reported above), as the peer driver:
	 * the peer-bench script runs under pipefail */
	return 0;
}
