/*
 * A command's usage line, from its entry in the table (ctl_commands.c);
 * below the commands, which print it on a mistake or --help.
 */
#include <stdio.h>
#include <sysexits.h>

#include "ctl.h"

int
ctl_usage(const struct ctl_command *c, int rc)
{
	FILE *fp = rc == EX_OK ? stdout : stderr;

	if (c != NULL)
		fprintf(fp, "usage: mashwatchctl [-c FILE] %s\n  %s\n",
		    c->usage, c->what);
	return rc;
}
