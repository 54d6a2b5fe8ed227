/* hello_uas: the smallest complete UAS on zsip (the README's embedding
 * example): one UDP socket, the poll loop, every call answered.
 *
 *   examples/hello_uas [PORT]          (127.0.0.1, default 5060)
 *
 * examples/uas does the same with TCP, IPv6, a registrar, digest auth and
 * error handling (examples/common.c holds its socket plumbing). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <zsip.h>
#include <zsip/ua.h>

static int fd; /* one UDP socket */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The stack's only way out: your socket. */
static int send_cb(void *user, int tid, const struct zsip_addr *dst, const char *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(dst->port) };
	(void)user, (void)tid;
	inet_pton(AF_INET, dst->host, &to.sin_addr);
	return sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)len ? 0 : -1;
}

/* Branches, tags and Call-IDs need unpredictable bytes: the OS's. */
static int random_cb(void *user, void *buf, size_t len)
{
	(void)user;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Ring, then answer; ACK, BYE, CANCEL, OPTIONS and the 481s are the UA's. */
static void on_event(void *user, const struct zsip_ua_event *ev)
{
	(void)user;
	if (ev->type == ZSIP_UA_INCOMING) {
		zsip_call_respond(ev->call, 180, NULL, (struct zsip_str){ 0 }, NULL, NULL, ev->now_ms);
		zsip_call_respond(ev->call, 200, NULL,
				  ZSIP_STR("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
					   "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"),
				  NULL, NULL, ev->now_ms);
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 5060;
	char sent_by[32];
	snprintf(sent_by, sizeof sent_by, "127.0.0.1:%d", port);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
		perror("hello_uas: bind");
		return 1;
	}

	struct zsip_config cfg = { .send = send_cb, .random = random_cb };
	struct zsip_stack *stack = zsip_stack_new(&cfg);
	int udp = zsip_stack_add_transport(stack, ZSIP_TRANSPORT_UDP, NULL, 0, sent_by);
	struct zsip_ua_config ucfg = { .on_event = on_event };
	if (!stack || udp < 0 || !zsip_ua_new(stack, &ucfg))
		return 1;

	for (uint64_t now = now_ms();;) {
		uint64_t due = zsip_stack_next_deadline(stack); /* the poll timeout */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, due == UINT64_MAX ? -1 : due <= now ? 0 : (int)(due - now));
		now = now_ms(); /* the clock, once per turn */
		char buf[65536];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n > 0) {
			struct zsip_addr src = { .port = ntohs(from.sin_port) };
			inet_ntop(AF_INET, &from.sin_addr, src.host, sizeof src.host);
			zsip_stack_receive(stack, udp, &src, buf, (size_t)n, now);
		}
		zsip_stack_timeout(stack, now); /* retransmissions and timers now due */
	}
}
