/*
 * driver — replay files through a libFuzzer harness without libFuzzer (any compiler):
 *   driver FILE|DIR...   runs LLVMFuzzerTestOneInput on every file (a directory's files)
 * and prints how many ran.  Used by `make fuzz-replay` to turn the seed corpora into a
 * regression test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
driver_run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, ran = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "driver: %s: cannot stat\n", argv[i]);
			failed++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (driver_run_file(argv[i]) == 0)
				ran++;
			else
				failed++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			failed++;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (driver_run_file(path) == 0)
				ran++;
			else
				failed++;
		}
		closedir(d);
	}
	printf("driver: %d inputs replayed, %d unreadable\n", ran, failed);
	return failed ? 1 : 0;
}
