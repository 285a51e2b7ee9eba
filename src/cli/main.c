/*
 * main — process start-up only: everything else (argument parsing, subcommands, exit
 * statuses) is cli.c's, and running the server is daemon.c's.
 */
#include <locale.h>

#include "cli/cli.h"

int
main(int argc, char **argv)
{
	/* Numbers and dates in every output are C-locale, whatever the environment says. */
	setlocale(LC_ALL, "C");
	return cli_main(argc, argv);
}
