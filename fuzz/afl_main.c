/* AFL++ driver for the libFuzzer-style targets in fuzz/fuzz_*.c.
 *
 *   afl-fuzz -i SEEDS -o OUT -- build/fuzz-afl/fuzz_msg            (stdin)
 *   afl-fuzz -i SEEDS -o OUT -- build/fuzz-afl/fuzz_msg @@         (file)
 *   build/fuzz-afl/fuzz_msg FILE...   (replays files, e.g. crashes)
 *
 * Each input is copied into a malloc'd buffer of exactly its size, so that
 * ASan (AFL_USE_ASAN=1) catches a read one byte past the end, as it does
 * under libFuzzer. Built by afl-clang-fast, the driver runs in persistent
 * mode (__AFL_LOOP) with deferred fork server initialisation; built by
 * another compiler it is a plain replay driver. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

#define MAX_INPUT (1u << 20)

#ifdef __AFL_FUZZ_TESTCASE_LEN
#include <unistd.h> /* read(), used by __AFL_FUZZ_TESTCASE_LEN */
__AFL_FUZZ_INIT();
#endif

static unsigned char *read_all(FILE *f, size_t *len)
{
	unsigned char *buf = malloc(MAX_INPUT);
	if (!buf)
		return NULL;
	size_t n = 0, got;
	while (n < MAX_INPUT && (got = fread(buf + n, 1, MAX_INPUT - n, f)) > 0)
		n += got;
	*len = n;
	return buf;
}

static void run_one(const unsigned char *data, size_t len)
{
	unsigned char *exact = malloc(len ? len : 1);
	if (!exact)
		abort();
	if (len)
		memcpy(exact, data, len);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t len = 0;
	unsigned char *buf = read_all(f, &len);
	fclose(f);
	if (!buf)
		return 1;
	run_one(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
#endif

	if (argc > 1) {
		/* afl-fuzz with @@ runs one file per process; more files: replay */
		int rc = 0;
		for (int i = 1; i < argc; i++)
			rc |= run_file(argv[i]);
		return rc;
	}

#ifdef __AFL_FUZZ_TESTCASE_LEN
	/* persistent mode: shared-memory test cases, many per process */
	const unsigned char *shm = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000)) {
		size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
		run_one(shm, len);
	}
	return 0;
#else
	size_t len = 0;
	unsigned char *buf = read_all(stdin, &len);
	if (!buf)
		return 1;
	run_one(buf, len);
	free(buf);
	return 0;
#endif
}
