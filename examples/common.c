/* Socket plumbing for the examples: see common.h. Linux (recvmmsg,
 * getrandom, IP_RECVERR); everything else is POSIX. */
#define _GNU_SOURCE
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 128          /* TCP connections, both directions */
#define RX_BATCH 32            /* datagrams per recvmmsg */
#define RX_SIZE 65536          /* one datagram */

struct conn {
	int fd;                    /* -1: free slot */
	struct zsip_addr peer;     /* names the connection for the stack */
	char *buf;                 /* bytes read, not yet framed */
	size_t len;
};

struct ex_net {
	const char *prog;
	int tcp, trace, family;
	int fd;                    /* UDP socket, or the TCP listener */
	int tid;                   /* transport id in the stack */
	struct zsip_stack *stack;
	struct zsip_addr local;
	char sent_by[ZSIP_ADDR_HOST_MAX + 8];
	uint64_t now;
	struct conn conns[MAX_CONNS];
	struct zsip_addr unreach;  /* last destination reported unreachable by ICMP */
	char last_error[160];
	/* UDP receive batch */
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sockaddr_storage from[RX_BATCH];
	char *rx;                  /* RX_BATCH * RX_SIZE */
};

uint64_t ex_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void ex_addr_uri(char *out, size_t cap, const struct zsip_addr *a)
{
	int v6 = strchr(a->host, ':') != NULL;
	snprintf(out, cap, "sip:%s%s%s:%u", v6 ? "[" : "", a->host, v6 ? "]" : "", a->port);
}

int ex_parse_hostport(const char *s, struct zsip_addr *out)
{
	char host[ZSIP_ADDR_HOST_MAX];
	const char *colon;
	size_t hl;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -1;
		hl = (size_t)(end - s - 1);
		s++;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof host)
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == 0 || *end || port < 0 || port > 65535)
		return -1;
	/* numeric addresses only: a name would need a resolver */
	unsigned char tmp[16];
	if (inet_pton(AF_INET, host, tmp) != 1 && inet_pton(AF_INET6, host, tmp) != 1)
		return -1;
	return zsip_addr_set(out, host, (uint16_t)port) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------- addresses */

static socklen_t to_sockaddr(const struct zsip_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, a->host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		return sizeof *s4;
	}
	if (inet_pton(AF_INET6, a->host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		return sizeof *s6;
	}
	return 0;
}

static void from_sockaddr(const struct sockaddr_storage *ss, struct zsip_addr *a)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a->host, sizeof a->host);
		a->port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, a->host, sizeof a->host);
		a->port = ntohs(s4->sin_port);
	}
}

static int addr_eq(const struct zsip_addr *a, const struct zsip_addr *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* ---------------------------------------------------------- trace */

/* Prints one message with the wall-clock time, the direction and the peer;
 * CRLF shown as plain line ends. */
static void trace(const struct ex_net *n, const char *dir, const struct zsip_addr *peer,
		  const char *buf, size_t len)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	localtime_r(&tv.tv_sec, &tm);
	int v6 = strchr(peer->host, ':') != NULL;
	printf("%02d:%02d:%02d.%03ld %s %s%s%s:%u %s %zu bytes\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       (long)tv.tv_usec / 1000, dir, v6 ? "[" : "", peer->host, v6 ? "]" : "", peer->port,
	       n->tcp ? "TCP" : "UDP", len);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\r')
			putchar(buf[i]);
	if (len && buf[len - 1] != '\n')
		putchar('\n');
	putchar('\n');
	fflush(stdout);
}

/* ---------------------------------------------------------- open */

static int fail(struct ex_net *n, const char *what)
{
	fprintf(stderr, "%s: %s %s%s%s:%u: %s\n", n->prog, what, strchr(n->local.host, ':') ? "[" : "",
		n->local.host, strchr(n->local.host, ':') ? "]" : "", n->local.port, strerror(errno));
	return -1;
}

struct ex_net *ex_net_open(const char *prog, const struct zsip_addr *bind_addr, int tcp, int trace_on)
{
	struct ex_net *n = calloc(1, sizeof *n);
	if (!n) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return NULL;
	}
	n->prog = prog;
	n->tcp = tcp;
	n->trace = trace_on;
	n->local = *bind_addr;
	n->fd = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		n->conns[i].fd = -1;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(bind_addr, &ss);
	n->family = ss.ss_family;
	n->fd = socket(n->family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (n->fd < 0 || !sl) {
		fail(n, "cannot open a socket for");
		goto err;
	}
	int one = 1;
	if (tcp)
		setsockopt(n->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(n->fd, (struct sockaddr *)&ss, sl) < 0) {
		fail(n, "cannot bind");
		goto err;
	}
	if (tcp && listen(n->fd, 128) < 0) {
		fail(n, "cannot listen on");
		goto err;
	}
	if (!tcp) {
		/* ICMP port unreachable for a datagram we sent comes back on the
		 * error queue: the next send there fails at once instead of the
		 * transaction timing out 32 s later. */
		if (n->family == AF_INET6)
			setsockopt(n->fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof one);
		else
			setsockopt(n->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
		int sz = 4 << 20; /* room for bursts at thousands of calls/s */
		setsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
		setsockopt(n->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		n->rx = malloc((size_t)RX_BATCH * RX_SIZE);
		if (!n->rx) {
			fprintf(stderr, "%s: out of memory\n", prog);
			goto err;
		}
		for (int i = 0; i < RX_BATCH; i++) {
			n->iov[i].iov_base = n->rx + (size_t)i * RX_SIZE;
			n->iov[i].iov_len = RX_SIZE;
			n->msgs[i].msg_hdr.msg_iov = &n->iov[i];
			n->msgs[i].msg_hdr.msg_iovlen = 1;
			n->msgs[i].msg_hdr.msg_name = &n->from[i];
		}
	}
	sl = sizeof ss;
	getsockname(n->fd, (struct sockaddr *)&ss, &sl);
	from_sockaddr(&ss, &n->local);
	int v6 = n->family == AF_INET6;
	snprintf(n->sent_by, sizeof n->sent_by, "%s%s%s:%u", v6 ? "[" : "", n->local.host, v6 ? "]" : "",
		 n->local.port);
	return n;
err:
	ex_net_close(n);
	return NULL;
}

/* ---------------------------------------------------------- TCP connections */

static void conn_close(struct ex_net *n, struct conn *c)
{
	if (c->fd < 0)
		return;
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->len = 0;
	(void)n;
}

static struct conn *conn_add(struct ex_net *n, int fd, const struct zsip_addr *peer)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &n->conns[i];
		if (c->fd >= 0)
			continue;
		c->buf = malloc(RX_SIZE);
		if (!c->buf)
			break;
		/* Writes block at most 2 s (a peer that stops reading); connect
		 * too (SO_SNDTIMEO bounds it on Linux). */
		struct timeval tv = { .tv_sec = 2 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fd = fd;
		c->peer = *peer;
		c->len = 0;
		return c;
	}
	close(fd);
	return NULL;
}

/* The connection to dst: an existing one (either direction), else a new one. */
static struct conn *conn_get(struct ex_net *n, const struct zsip_addr *dst)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (n->conns[i].fd >= 0 && addr_eq(&n->conns[i].peer, dst))
			return &n->conns[i];
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(dst, &ss);
	if (!sl)
		return NULL;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(n->last_error, sizeof n->last_error, "cannot connect to %s:%u: %s", dst->host,
			 dst->port, strerror(errno));
		close(fd);
		return NULL;
	}
	return conn_add(n, fd, dst);
}

/* Frames and delivers what a connection has buffered. Returns -1 when the
 * stream is broken (the connection is then closed). */
static int conn_deliver(struct ex_net *n, struct conn *c)
{
	size_t off = 0;
	int rc = 0;
	while (off < c->len) {
		size_t used = 0;
		int k = zsip_frame(c->buf + off, c->len - off, NULL, &used);
		if (k < 0) {
			rc = -1;
			break;
		}
		if (k == ZSIP_FRAME_MORE)
			break;
		if (k == ZSIP_FRAME_MESSAGE) {
			if (n->trace)
				trace(n, "<--", &c->peer, c->buf + off, used);
			zsip_stack_receive(n->stack, n->tid, &c->peer, c->buf + off, used, n->now);
		} else if (k == ZSIP_FRAME_PING) {
			(void)!write(c->fd, "\r\n", 2); /* RFC 5626 §3.5.1 pong */
		}
		off += used;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	if (c->len == RX_SIZE)
		rc = -1; /* a message larger than we take */
	return rc;
}

/* ---------------------------------------------------------- callbacks */

static int send_cb(void *user, int tid, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct ex_net *n = user;
	(void)tid;
	if (n->trace)
		trace(n, "-->", dst, buf, len);
	if (n->tcp) {
		struct conn *c = conn_get(n, dst);
		if (!c)
			return -1;
		size_t off = 0;
		while (off < len) {
			ssize_t w = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
			if (w <= 0) {
				snprintf(n->last_error, sizeof n->last_error, "cannot send to %s:%u: %s", dst->host,
					 dst->port, strerror(errno));
				conn_close(n, c);
				return -1;
			}
			off += (size_t)w;
		}
		return 0;
	}
	if (n->unreach.port && addr_eq(&n->unreach, dst)) {
		snprintf(n->last_error, sizeof n->last_error, "%s:%u unreachable (ICMP port unreachable)",
			 dst->host, dst->port);
		n->unreach.port = 0;
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(dst, &ss);
	if (!sl)
		return -1;
	/* With IP_RECVERR a pending ICMP error (for any peer) fails the next
	 * send once: try again. */
	for (int tries = 0; tries < 2; tries++)
		if (sendto(n->fd, buf, len, 0, (struct sockaddr *)&ss, sl) == (ssize_t)len)
			return 0;
	snprintf(n->last_error, sizeof n->last_error, "cannot send to %s:%u: %s", dst->host, dst->port,
		 strerror(errno));
	return -1;
}

/* The stack's randomness (branches, tags, Call-IDs, digest nonces). */
static int random_cb(void *user, void *buf, size_t len)
{
	(void)user;
	char *p = buf;
	while (len) {
		ssize_t r = getrandom(p, len, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

void ex_net_config(struct ex_net *n, struct zsip_config *cfg)
{
	cfg->send = send_cb;
	cfg->random = random_cb;
	cfg->user = n;
}

int ex_net_attach(struct ex_net *n, struct zsip_stack *stack)
{
	n->stack = stack;
	n->tid = zsip_stack_add_transport(stack, n->tcp ? ZSIP_TRANSPORT_TCP : ZSIP_TRANSPORT_UDP, NULL,
					  n->tcp, n->sent_by);
	return n->tid;
}

const struct zsip_addr *ex_net_local(const struct ex_net *n) { return &n->local; }
const char *ex_net_sent_by(const struct ex_net *n) { return n->sent_by; }
const char *ex_net_last_error(const struct ex_net *n) { return n->last_error[0] ? n->last_error : NULL; }

/* ---------------------------------------------------------- the loop */

/* Reads the error queue: the destination of a datagram that got ICMP
 * unreachable back. */
static void udp_errqueue(struct ex_net *n)
{
	for (;;) {
		struct sockaddr_storage ss;
		char data[64], ctl[512];
		struct iovec iov = { data, sizeof data };
		struct msghdr mh = { .msg_name = &ss, .msg_namelen = sizeof ss, .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
		if (recvmsg(n->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		from_sockaddr(&ss, &n->unreach);
	}
}

static void udp_read(struct ex_net *n)
{
	for (;;) {
		for (int i = 0; i < RX_BATCH; i++)
			n->msgs[i].msg_hdr.msg_namelen = sizeof n->from[i];
		int got = recvmmsg(n->fd, n->msgs, RX_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0) {
			if (got < 0 && (errno == ECONNREFUSED || errno == EHOSTUNREACH))
				continue; /* a reported ICMP error, read from the queue below */
			return;
		}
		for (int i = 0; i < got; i++) {
			struct zsip_addr src;
			from_sockaddr(&n->from[i], &src);
			const char *buf = n->iov[i].iov_base;
			size_t len = n->msgs[i].msg_len;
			if (len <= 4 && strspn(buf, "\r\n") >= len)
				continue; /* keep-alive CRLFs */
			if (n->trace)
				trace(n, "<--", &src, buf, len);
			zsip_stack_receive(n->stack, n->tid, &src, buf, len, n->now);
		}
		if (got < RX_BATCH)
			return;
	}
}

static void tcp_accept(struct ex_net *n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = accept4(n->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct zsip_addr peer;
	from_sockaddr(&ss, &peer);
	if (!conn_add(n, fd, &peer))
		fprintf(stderr, "%s: too many connections, refused %s:%u\n", n->prog, peer.host, peer.port);
}

static void tcp_read(struct ex_net *n, struct conn *c)
{
	ssize_t r = recv(c->fd, c->buf + c->len, RX_SIZE - c->len, 0);
	if (r <= 0) {
		conn_close(n, c); /* the peer closed (or reset): so do we */
		return;
	}
	c->len += (size_t)r;
	if (conn_deliver(n, c) < 0)
		conn_close(n, c);
}

int ex_net_turn(struct ex_net *n, uint64_t app_deadline, uint64_t *now)
{
	struct pollfd pfd[1 + MAX_CONNS];
	struct conn *pc[1 + MAX_CONNS];
	nfds_t np = 0;
	pfd[np].fd = n->fd;
	pfd[np].events = POLLIN;
	pc[np++] = NULL;
	for (int i = 0; n->tcp && i < MAX_CONNS; i++)
		if (n->conns[i].fd >= 0) {
			pfd[np].fd = n->conns[i].fd;
			pfd[np].events = POLLIN;
			pc[np++] = &n->conns[i];
		}
	/* The wait counts from the caller's clock, not from the last turn's:
	 * before the first turn there was none, and a request sent since then
	 * (its Timer A at now + T1) must not wait for a peer that stays silent. */
	n->now = *now;
	uint64_t deadline = zsip_stack_next_deadline(n->stack);
	if (app_deadline < deadline)
		deadline = app_deadline;
	int timeout = -1;
	if (deadline != UINT64_MAX)
		timeout = deadline <= n->now ? 0 : (int)(deadline - n->now > 60000 ? 60000 : deadline - n->now);
	int k = poll(pfd, np, timeout);
	/* the clock, once per turn: every receive and timer below uses it */
	n->now = *now = ex_now_ms();
	if (k < 0) {
		if (errno == EINTR)
			return 0;
		fprintf(stderr, "%s: poll: %s\n", n->prog, strerror(errno));
		return -1;
	}
	for (nfds_t i = 0; k > 0 && i < np; i++) {
		if (!pfd[i].revents)
			continue;
		if (pc[i])
			tcp_read(n, pc[i]);
		else if (n->tcp)
			tcp_accept(n);
		else {
			if (pfd[i].revents & POLLERR)
				udp_errqueue(n);
			udp_read(n);
		}
	}
	zsip_stack_timeout(n->stack, n->now);
	return 0;
}

void ex_net_close(struct ex_net *n)
{
	if (!n)
		return;
	for (int i = 0; i < MAX_CONNS; i++)
		conn_close(n, &n->conns[i]);
	if (n->fd >= 0)
		close(n->fd);
	free(n->rx);
	free(n);
}

static volatile sig_atomic_t *stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	*stop_flag = 1;
}

void ex_on_signals(volatile sig_atomic_t *flag)
{
	stop_flag = flag;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
