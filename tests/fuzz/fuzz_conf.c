/*
 * fuzz_conf — libFuzzer harness for the configuration parser: any text goes through
 * conf_parse (inih, the key table, validation, warnings) without loading certificates;
 * it must either produce a conf or an error message, never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/conf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[4096];
	char *text;
	struct conf *c;

	if (size > 64 * 1024)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	c = conf_parse(text, "/nonexistent/fuzz.ini", 0, err, sizeof(err));
	conf_free(c);
	free(text);
	return 0;
}
