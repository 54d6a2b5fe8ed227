/* A simulated network with virtual time, for tests, benches and fuzzing.
 *
 * Everything here is deterministic from one 64-bit seed: the same seed and
 * the same inputs give the same sequence of events, and the trace hash
 * (sim.trace) says so in one number. No clock is read, nothing sleeps,
 * nothing touches a socket. No cmocka in here: the bench and the fuzz
 * target may reuse it.
 *
 * The network knows nodes by index. A node is whatever sits at one address
 * (a zsip stack, in the tests); it is driven through three callbacks:
 * receive a datagram, report its next deadline, handle a timeout. The
 * application side of each node calls sim_send() from its send callback;
 * the sim copies the bytes and delivers the copy later, as the link from
 * sender to receiver decides (loss, duplication, delay, reordering). */
#ifndef ZSIP_TEST_SIM_H
#define ZSIP_TEST_SIM_H

#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_NODES 8
#define SIM_NEVER UINT64_MAX

/* ------------------------------------------------------------------ PRNG */

/* splitmix64: tiny, fast, passes BigCrush, and any seed (0 too) is fine. */
struct sim_rng {
	uint64_t s;
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n); 0 when n == 0. Unbiased (rejection). */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Uniform in [lo, hi] (lo when hi <= lo). */
uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);
/* 1 with probability pct/100 (pct 0: never, >= 100: always). */
int sim_rng_pct(struct sim_rng *r, unsigned pct);

/* -------------------------------------------------------------- hashing */

/* FNV-1a 64 over bytes, continuing from h (start with SIM_HASH_INIT). */
#define SIM_HASH_INIT 0xcbf29ce484222325ULL
uint64_t sim_hash(uint64_t h, const void *p, size_t len);
uint64_t sim_hash_u64(uint64_t h, uint64_t v);

/* ----------------------------------------------------------------- links */

/* What one direction of a link does to the datagrams put on it. */
struct sim_link {
	unsigned loss_pct;       /* chance that a datagram is lost */
	unsigned dup_pct;        /* chance that a datagram arrives twice */
	unsigned reorder_pct;    /* chance that a datagram gets extra delay */
	uint32_t reorder_max_ms; /* that extra delay: uniform in [1, reorder_max_ms] */
	uint32_t delay_min_ms;   /* one-way delay, uniform in [min, max] */
	uint32_t delay_max_ms;
	int reliable;            /* TCP-like: no loss, no duplication, in order;
				  * loss_pct then means segments the stream
				  * retransmits: each such loss adds rto_ms,
				  * doubling, and holds back what follows */
	uint32_t rto_ms;         /* reliable only: first retransmission delay */
	int down;                /* everything sent is dropped (counted in st.down) */
};

/* UDP-like: loss_pct loss, 5% duplication, 10% reordered by up to 300 ms,
 * delay 5..80 ms. */
struct sim_link sim_link_udp(unsigned loss_pct);
/* TCP-like: reliable, in order, delay 5..80 ms; loss_pct of segments
 * are lost and retransmitted by the stream (RTO 200 ms, doubling), which
 * only delays them and everything behind them. */
struct sim_link sim_link_tcp(unsigned loss_pct);
/* Lossless, in order, fixed delay (0 allowed). */
struct sim_link sim_link_ideal(uint32_t delay_ms);

/* ----------------------------------------------------------------- nodes */

struct sim_node_ops {
	/* A datagram from node `from` arrives at `now`. */
	void (*receive)(void *ctx, int from, const char *buf, size_t len, uint64_t now);
	/* The node's next deadline, SIM_NEVER for none. May be NULL. */
	uint64_t (*next_deadline)(void *ctx);
	/* The deadline passed; now >= that deadline. May be NULL. */
	void (*timeout)(void *ctx, uint64_t now);
};

/* ------------------------------------------------------------------- sim */

struct sim_pkt {
	uint64_t at;    /* delivery time */
	uint64_t seq;   /* tie-breaker: order of sending */
	int from, to;
	size_t len;
	char *data;     /* malloc'd copy */
};

struct sim_stats {
	uint64_t sent;       /* sim_send calls accepted */
	uint64_t delivered;  /* datagrams handed to a node */
	uint64_t lost;       /* dropped by loss */
	uint64_t down;       /* dropped because the link was down */
	uint64_t duplicated; /* extra copies made */
	uint64_t reordered;  /* datagrams given extra delay */
	uint64_t timeouts;   /* timeout callbacks made */
	uint64_t bytes;      /* bytes delivered */
};

struct sim {
	struct sim_rng rng;
	uint64_t now;
	uint64_t trace;      /* hash of every event: deliveries, losses, timeouts */
	struct sim_stats st;

	int nnodes;
	struct {
		const struct sim_node_ops *ops;
		void *ctx;
	} node[SIM_MAX_NODES];
	struct sim_link link[SIM_MAX_NODES][SIM_MAX_NODES];
	uint64_t last_at[SIM_MAX_NODES][SIM_MAX_NODES]; /* for in-order links */

	struct sim_pkt *q;   /* binary min-heap on (at, seq) */
	size_t nq, capq;
	uint64_t seq;

	/* Called on every delivery before the node sees it, for logging or
	 * counting by a test. May be NULL. */
	void (*on_deliver)(void *user, const struct sim_pkt *p);
	void *on_deliver_user;

	/* Guard against a node whose deadline never moves: more than this many
	 * timeout calls in a row at one virtual instant is a "stuck" error. */
	unsigned stuck_limit;
};

/* Sets up an empty network at time `start` with every link `dflt`. */
void sim_init(struct sim *s, uint64_t seed, uint64_t start, struct sim_link dflt);
/* Frees every datagram still queued. */
void sim_destroy(struct sim *s);

/* Adds a node; returns its index, or -1 when full. ops must outlive s. */
int sim_add_node(struct sim *s, const struct sim_node_ops *ops, void *ctx);
/* Sets the link from -> to (one direction). */
void sim_set_link(struct sim *s, int from, int to, struct sim_link l);
/* Sets every link between every pair of nodes (both directions). */
void sim_set_all_links(struct sim *s, struct sim_link l);

/* Puts a copy of buf on the link from -> to at the current virtual time.
 * Returns 0, or -1 on a bad node index or when out of memory. A lost
 * datagram still returns 0: UDP does not tell the sender. */
int sim_send(struct sim *s, int from, int to, const char *buf, size_t len);

/* The earliest time something happens: next delivery or node deadline.
 * SIM_NEVER when the network is idle and no node has a deadline. */
uint64_t sim_next_event(const struct sim *s);

/* Runs the earliest event if it is at or before `until`: advances now to
 * it, then either calls timeout on every node whose deadline has come (in
 * node order) or delivers the earliest datagram. Returns 1 when it ran one,
 * 0 when nothing is due by `until`, -1 when a node is stuck (its deadline
 * stays at or before now after stuck_limit timeouts). */
int sim_step(struct sim *s, uint64_t until);
/* sim_step until it returns <= 0; then sets now = until when until is not
 * SIM_NEVER and the network is idle before it. Returns 0, or -1 (stuck). */
int sim_run(struct sim *s, uint64_t until);

/* ------------------------------------------------------- counting memory */

/* A counting allocator for allocator hooks: live and peak bytes and calls.
 * Each block carries a small header with its size. */
struct sim_mem {
	size_t live, peak;
	uint64_t nalloc, nfree;
	size_t fail_after;   /* 0: never fail; n: the n-th allocation from now fails */
	uint64_t bad_size;   /* sized frees whose size differs from the allocation */
};

void *sim_mem_alloc(struct sim_mem *m, size_t size);
void *sim_mem_realloc(struct sim_mem *m, void *p, size_t size);
void sim_mem_free(struct sim_mem *m, void *p);
/* A sized free (zsip_allocator.free): counts a mismatch in bad_size. */
void sim_mem_free_sized(struct sim_mem *m, void *p, size_t size);
/* The two as zsip_allocator hooks, user being the struct sim_mem. */
void *sim_mem_hook_alloc(void *user, size_t size);
void sim_mem_hook_free(void *user, void *p, size_t size);

#endif
