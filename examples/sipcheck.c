/* sipcheck: checks files that each hold one SIP message.
 *
 *   examples/sipcheck [--fields] FILE...
 *
 * Each file is parsed as one message received in one UDP datagram: a
 * Content-Length ends the message (bytes after it are ignored, RFC 3261
 * §18.3), and without one the body runs to the end of the file. One line per
 * file: "FILE: valid" or "FILE: invalid: REASON (offset N)". With --fields,
 * the fields a transaction and a dialog need follow each valid message, one
 * "  name: value" line each (absent values print empty, absent numbers -1).
 *
 * Exit status: 0 when every file is valid, 1 when one is not, 2 for a usage
 * error or a file that cannot be read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zsip.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: sipcheck [--fields] FILE...\n"
		     "  Parses each FILE as one SIP message (one UDP datagram) and prints\n"
		     "  'FILE: valid' or 'FILE: invalid: REASON (offset N)'.\n"
		     "  --fields  print the key fields of each valid message\n");
}

/* Reads the whole file into a malloc'd buffer of exactly its size (at least
 * one byte, so that an empty file still gets a non-NULL pointer). */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	int saved = errno;
	fclose(f);
	errno = saved;
	if (!buf)
		return NULL;
	/* an exactly sized copy: a read past the end is then caught by tools */
	char *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(exact, buf, n);
	free(buf);
	*len = n;
	return exact;
}

/* Prints a slice, escaping control bytes so that one field stays on one
 * line; bytes of 0x80 and above (UTF-8) go out as they are. */
static void put_str(struct zsip_str s)
{
	for (size_t i = 0; s.p && i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void field(const char *name, struct zsip_str s)
{
	printf("  %s: ", name);
	put_str(s);
	putchar('\n');
}

static void print_fields(const struct zsip_msg *m)
{
	if (m->is_request) {
		field("method", m->method);
		field("ruri", m->ruri_str);
	} else {
		printf("  status: %d\n", m->status);
	}
	field("via_branch", m->via.branch);
	field("via_host", m->via.host);
	field("from_tag", m->from.tag);
	field("to_tag", m->to.tag);
	field("call_id", m->call_id);
	printf("  cseq: %lu\n", (unsigned long)m->cseq.num);
	field("cseq_method", m->cseq.method);

	struct zsip_contact c;
	int rc = zsip_msg_contact(m, &c);
	if (rc == 0 && c.star)
		field("contact", ZSIP_STR("*"));
	else if (rc == 0)
		field("contact", c.addr.uri.raw);
	else if (rc == ZSIP_ENOTFOUND)
		field("contact", (struct zsip_str){ NULL, 0 });
	else
		printf("  contact: (unparsable: %s)\n", zsip_strerror(rc));

	printf("  content_length: %ld\n", m->content_length);
	printf("  max_forwards: %d\n", m->max_forwards);
}

int main(int argc, char **argv)
{
	int fields = 0, first = 1;
	while (first < argc && argv[first][0] == '-' && argv[first][1] != '\0') {
		if (!strcmp(argv[first], "--")) {
			first++;
			break;
		} else if (!strcmp(argv[first], "--fields")) {
			fields = 1;
		} else if (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "sipcheck: unknown option %s\n", argv[first]);
			usage(stderr);
			return 2;
		}
		first++;
	}
	if (first >= argc) {
		usage(stderr);
		return 2;
	}

	/* struct zsip_msg holds the header table: keep it off the stack */
	struct zsip_msg *msg = malloc(sizeof *msg);
	if (!msg) {
		fprintf(stderr, "sipcheck: out of memory\n");
		return 2;
	}
	int status = 0;
	for (int i = first; i < argc; i++) {
		const char *path = argv[i];
		size_t len = 0;
		char *buf = read_file(path, &len);
		if (!buf) {
			fprintf(stderr, "sipcheck: %s: %s\n", path, strerror(errno));
			status = 2;
			continue;
		}
		int rc = zsip_msg_parse(msg, buf, len, NULL);
		if (rc >= 0) {
			printf("%s: valid\n", path);
			if (fields)
				print_fields(msg);
		} else {
			printf("%s: invalid: %s (offset %zu)\n", path, zsip_strerror(rc), msg->err_off);
			if (status == 0)
				status = 1;
		}
		free(buf);
	}
	free(msg);
	if (fflush(stdout) != 0)
		return 2;
	return status;
}
