/*
 * mashwatchctl: placeholder so that `make all` links; the commands of
 * DESIGN.md section 7 are added with the engine.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

int
main(int argc, char *argv[])
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		printf("usage: mashwatchctl [-c FILE] COMMAND ...\n");
		return EX_OK;
	}
	fprintf(stderr, "mashwatchctl: not implemented yet\n");
	return EX_UNAVAILABLE;
}
