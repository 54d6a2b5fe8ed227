/* UAs in virtual time over the simulated network (support/sim.h), for the
 * dialog and call tests: each node is a stack with a UA (or a raw node that
 * only records what reaches it, for scripting the other side by hand).
 * Every event and every datagram is recorded. No cmocka here. */
#ifndef ZSIP_TEST_UA_PAIR_H
#define ZSIP_TEST_UA_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "support/sim.h"
#include "zsip.h"

#define UP_NODES 4
#define UP_MAX 256
#define UP_BUF 4096

struct up_event {
	enum zsip_ua_event_type type;
	struct zsip_call *call;
	void *user;             /* ev->user */
	int status, err;
	enum zsip_ua_end_reason reason;
	uint64_t at;
	char msg[UP_BUF];       /* the message behind it, NUL-terminated ("" when none) */
};

struct up_dgram {
	int from;
	uint64_t at;
	size_t len;
	char buf[UP_BUF];
};

struct up;

struct up_node {
	struct up *w;
	int idx;
	char host[32];
	struct zsip_stack *s;   /* NULL: a raw node */
	struct zsip_ua *ua;
	int tid;
	struct sim_mem mem;
	int send_fail;          /* the send callback fails (a transport error) */
	struct up_event ev[UP_MAX];
	size_t nev;
	struct up_dgram rx[UP_MAX];     /* what reached it (raw nodes and UAs alike) */
	size_t nrx;
	/* Called for every event after it is recorded (may be NULL). */
	void (*hook)(struct up_node *n, const struct zsip_ua_event *ev);
	void *hook_user;
};

struct up {
	struct sim sim;
	int n;
	struct up_node node[UP_NODES];
	/* Live transactions (checked at every UA event) whose keys differ
	 * from what a parse of their request gives: the UA hands the
	 * transaction layer the keys of the requests it writes instead of
	 * the bytes to parse again, and they must agree. Must stay 0. */
	size_t key_errors;
};

/* A network at time 1000 with lossless 10 ms links. */
/* A digest server's lookup (zsip_auth_server_config.lookup) that knows one
 * user, alice, password "secret"; any other user name is refused (-1). */
int up_alice_lookup(void *user, const struct zsip_str *realm, const struct zsip_str *username,
		    enum zsip_digest_alg alg, struct zsip_auth_cred *out);

void up_init(struct up *w, uint64_t seed);
/* Adds a node at host:5060: a stack (reliable: TCP-like transport, else
 * UDP) with a UA configured by cfg (may be NULL; on_event and user are
 * filled in), or a raw node (raw != 0). Returns its index. */
int up_add(struct up *w, const char *host, int raw, int reliable, const struct zsip_ua_config *cfg,
	   const struct zsip_config *scfg);
/* Frees everything. Returns the bytes still held by the stacks' allocators
 * after zsip_stack_free (0 when nothing leaked). */
size_t up_fini(struct up *w);

/* Runs the network until t (absolute virtual ms). */
void up_run(struct up *w, uint64_t t);
/* Runs for ms more. */
void up_for(struct up *w, uint64_t ms);
uint64_t up_now(const struct up *w);

/* Sends text (NUL-terminated) from node from to node to, as a datagram. */
void up_inject(struct up *w, int from, int to, const char *text);

/* Counts / finds recorded events of a type on a node. */
size_t up_count(const struct up_node *n, enum zsip_ua_event_type type);
const struct up_event *up_last(const struct up_node *n, enum zsip_ua_event_type type);
/* Counts datagrams that reached a node and start with prefix ("BYE ",
 * "SIP/2.0 200"), optionally also containing needle (NULL: any). */
size_t up_rx_count(const struct up_node *n, const char *prefix, const char *needle);
const struct up_dgram *up_rx_last(const struct up_node *n, const char *prefix);

/* A raw node answers the last request starting with method (e.g.
 * "INVITE ") that reached it, back to its sender: code, a To tag added
 * when the To has none (NULL: none), extra header lines, body. 0 or -1. */
int up_answer(struct up *w, int node, const char *method, int code, const char *tag,
	      const char *extra, const char *body);

/* Copies header name's value of msg text into out (NUL-terminated). 0 or -1. */
int up_header(const char *msg, const char *name, char *out, size_t cap);

#endif
