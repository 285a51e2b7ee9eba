/*
 * version — what `sysbind --version` prints: sysbind's own version (CLI_VERSION, the one
 * number the Makefile and the Debian package read too) and the versions of the libraries
 * it runs with, as they report themselves at run time.
 */
#ifndef SYSBIND_VERSION_H
#define SYSBIND_VERSION_H

#include <stdio.h>

/* Write the version lines to f: "sysbind 0.1.0", then one line per library. */
void version_print(FILE *f);

#endif
