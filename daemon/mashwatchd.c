/*
 * mashwatchd: watches the MASH front door for work waiting past its
 * timescale (DESIGN.md).  For now it parses its options and checks the
 * configuration; the engine, poller and notifier are wired in later.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "mashwatch/config.h"
#include "log.h"

#define MASHWATCH_CONF	"/etc/mashwatch/mashwatch.conf"
#ifndef MASHWATCH_VERSION
#define MASHWATCH_VERSION	"0.1"
#endif

enum {
	OPT_ONCE = 256,
	OPT_AT,
	OPT_ALL,
};

struct options {
	const char	*config;
	const char	*at;
	bool		 test;
	bool		 debug;
	bool		 foreground;
	bool		 once;
	bool		 all;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mashwatchd [-dfhtV] [-c FILE]\n"
	    "       mashwatchd [-d] [-c FILE] --once [--at TIME] [--all]\n"
	    "  -c, --config FILE  configuration (default " MASHWATCH_CONF ")\n"
	    "  -t, --test         check the configuration and exit;"
	    " with -d print it\n"
	    "  -d, --debug        log debug messages\n"
	    "  -f, --foreground   stay in the foreground (as under systemd)\n"
	    "      --once         evaluate once, print JSON lines, exit\n"
	    "      --at TIME      evaluate as of TIME (ISO 8601)\n"
	    "      --all          also print clocks on time and stopped\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      print the version\n");
}

/* Returns -1 on bad usage, 1 when --help or --version was handled. */
static int
options_parse(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL,	'c' },
		{ "test",	no_argument,		NULL,	't' },
		{ "debug",	no_argument,		NULL,	'd' },
		{ "foreground",	no_argument,		NULL,	'f' },
		{ "once",	no_argument,		NULL,	OPT_ONCE },
		{ "at",		required_argument,	NULL,	OPT_AT },
		{ "all",	no_argument,		NULL,	OPT_ALL },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 },
	};
	int ch;

	o->config = MASHWATCH_CONF;
	while ((ch = getopt_long(argc, argv, "c:tdfhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			o->test = true;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'f':
			o->foreground = true;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_AT:
			o->at = optarg;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("mashwatchd %s\n", MASHWATCH_VERSION);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mashwatchd: unexpected argument '%s'\n",
		    argv[optind]);
		return -1;
	}
	if ((o->at != NULL || o->all) && !o->once) {
		fprintf(stderr, "mashwatchd: --at and --all need --once\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	struct options o = { 0 };
	size_t i;
	int ret = EX_SOFTWARE;

	switch (options_parse(argc, argv, &o)) {
	case -1:
		usage(stderr);
		return EX_USAGE;
	case 1:
		return EX_OK;
	}
	log_init(o.debug);

	/* Config errors go to stderr bare, so that editors can jump to them. */
	if ((cfg = config_load(o.config, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		ret = EX_CONFIG;
		goto out;
	}
	if (o.test) {
		if (o.debug)
			config_print(cfg, stdout);
		printf("configuration OK\n");
		ret = EX_OK;
		goto out;
	}
	log_err("the engine is not implemented yet");
	ret = EX_UNAVAILABLE;
out:
	config_free(cfg);
	config_errors_clear(&errs);
	return ret;
}
