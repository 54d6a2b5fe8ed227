/* Socket plumbing shared by examples/uac and examples/uas, on the public
 * headers only: this is the part of an application that zsip leaves to you.
 *
 * One struct ex_net owns one transport: a UDP socket, or a TCP listener
 * plus one connection per peer (made on first send, reused both ways,
 * framed with zsip_frame, closed cleanly). ex_net_turn is one turn of the
 * poll() loop: wait until a socket is readable or the stack's next
 * deadline (or the application's own) has come, read the clock once, hand
 * every message to zsip_stack_receive and run zsip_stack_timeout.
 *
 *   struct ex_net *net = ex_net_open("uas", &bind, tcp, trace);
 *   struct zsip_config cfg = {0};
 *   ex_net_config(net, &cfg);              // send and random callbacks
 *   struct zsip_stack *stack = zsip_stack_new(&cfg);
 *   ex_net_attach(net, stack);             // the transport, id 0
 *   while (!stop) ex_net_turn(net, UINT64_MAX, &now);
 */
#ifndef EX_COMMON_H
#define EX_COMMON_H

#include <signal.h>
#include <stdint.h>

#include <zsip.h>

struct ex_net;

/* Monotonic milliseconds (the stack's "now"). */
uint64_t ex_now_ms(void);

/* "127.0.0.1:5060", "[::1]:5060" (a port is required; 0 picks one).
 * Returns 0, or -1 for anything else. */
int ex_parse_hostport(const char *s, struct zsip_addr *out);

/* Opens the transport on bind (UDP, or a TCP listener when tcp). prog names
 * the program in the one line printed on failure (port in use ...); NULL is
 * returned then. trace: print every message sent and received. */
struct ex_net *ex_net_open(const char *prog, const struct zsip_addr *bind, int tcp, int trace);

/* Sets cfg's send and random callbacks (getrandom) and their user pointer. */
void ex_net_config(struct ex_net *net, struct zsip_config *cfg);

/* Registers the transport with stack; returns its id (or a negative code). */
int ex_net_attach(struct ex_net *net, struct zsip_stack *stack);

/* The address actually bound (the port filled in when 0 was asked), and
 * its "host:port" text as written in Via and Contact ("[::1]:5060"). */
const struct zsip_addr *ex_net_local(const struct ex_net *net);
const char *ex_net_sent_by(const struct ex_net *net);

/* One turn of the loop, waiting at most until app_deadline (UINT64_MAX:
 * only the stack's timers) or a signal. *now holds the caller's current
 * time on entry (the wait is measured from it) and gets the time read in
 * this turn. Returns 0, or -1 after a fatal socket error (printed). */
int ex_net_turn(struct ex_net *net, uint64_t app_deadline, uint64_t *now);

/* The last destination a send failed for (connection refused, ICMP
 * unreachable), with the reason, or NULL: for the application's one line. */
const char *ex_net_last_error(const struct ex_net *net);

/* Closes every socket (TCP connections are shut down first). NULL is
 * allowed. Free the stack before or after: the stack never calls back here
 * once the loop has stopped. */
void ex_net_close(struct ex_net *net);

/* SIGINT and SIGTERM set *flag (and interrupt poll). */
void ex_on_signals(volatile sig_atomic_t *flag);

/* "sip:HOST:PORT" for an address, brackets around IPv6. */
void ex_addr_uri(char *out, size_t cap, const struct zsip_addr *a);

#endif
