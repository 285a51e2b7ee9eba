/*
 * version — `sysbind --version`: sysbind's version, then each library's as it reports
 * itself at run time (a shared library can be upgraded under a built binary; when the
 * running one differs from the headers sysbind was compiled with, both are shown).
 * llhttp is compiled in, so its version is the one of the sources built.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <expat.h>
#include <llhttp.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "cli/cli.h"
#include "cli/version.h"

/* "NAME RUNNING", and " (built with BUILT)" when they differ. */
static void
version_line(FILE *f, const char *name, const char *running, const char *built)
{
	fprintf(f, "%s %s", name, running);
	if (built != NULL && strcmp(running, built) != 0)
		fprintf(f, " (built with %s)", built);
	fputc('\n', f);
}

void
version_print(FILE *f)
{
	const char *expat = XML_ExpatVersion();

	fprintf(f, "sysbind %s\n", CLI_VERSION);
	version_line(f, "OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING), OPENSSL_VERSION_STR);
	version_line(f, "libevent", event_get_version(), LIBEVENT_VERSION);
	fprintf(f, "llhttp %d.%d.%d (compiled in)\n", LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR,
	    LLHTTP_VERSION_PATCH);
	/* XML_ExpatVersion() is "expat_2.5.0" */
	version_line(f, "expat", strncmp(expat, "expat_", 6) == 0 ? expat + 6 : expat, NULL);
}
