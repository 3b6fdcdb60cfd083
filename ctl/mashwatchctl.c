/*
 * mashwatchctl: the control and reporting tool.  Loads the config and the
 * calendar, then hands over to the command.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "daemon/log.h"
#include "daemon/setup.h"

/* The whole usage: on stdout with exit 0 when asked for, else stderr, 64. */
static void __attribute__((noreturn))
usage(int rc)
{
	FILE *fp = rc == EX_OK ? stdout : stderr;

	fprintf(fp, "usage: mashwatchctl [-dhV] [-c FILE] COMMAND [ARGS]\n"
	    "  -c, --config FILE  the configuration (default %s)\n"
	    "  -d, --debug        debug lines on stderr\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version\n"
	    "commands:\n", DEFAULT_CONFIG);
	for (size_t i = 0; i < ctl_ncommands; i++)
		fprintf(fp, "  %-13s %s\n", ctl_commands[i].name,
		    ctl_commands[i].what);
	fprintf(fp, "`mashwatchctl help COMMAND` or `mashwatchctl COMMAND "
	    "--help` shows one; see mashwatchctl(1).\n");
	exit(rc);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "config-as", required_argument, NULL, 'A' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char progname[64];
	struct ctl ctl = { .config_path = DEFAULT_CONFIG };
	const struct ctl_command *cmd;
	const char *config_as = NULL;
	bool debug = false;
	int ch, rc;

	/* getopt's complaints start with argv[0]: the name, not a path. */
	snprintf(progname, sizeof(progname), "mashwatchctl");
	argv[0] = progname;
	/* '+': options after the command belong to the command. */
	while ((ch = getopt_long(argc, argv, "+c:dhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctl.config_path = optarg;
			break;
		case 'A':
			config_as = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(EX_OK);
		case 'V':
			printf("mashwatchctl %s\n", MASHWATCH_VERSION);
			return EX_OK;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(EX_USAGE);
	if ((cmd = ctl_command_find(argv[0])) == NULL) {
		fprintf(stderr, "mashwatchctl: unknown command '%s'\n", argv[0]);
		usage(EX_USAGE);
	}
	/* help needs no config: it is what a newcomer runs first. */
	if (cmd->fn == NULL) {
		if (argc == 1)
			usage(EX_OK);
		if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return ctl_usage(cmd, EX_OK);
		if (argc > 2 || ctl_command_find(argv[1]) == NULL) {
			fprintf(stderr, "mashwatchctl: no command '%s'\n",
			    argv[1]);
			usage(EX_USAGE);
		}
		return ctl_usage(ctl_command_find(argv[1]), EX_OK);
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    (i == 1 && strcmp(argv[i], "-h") == 0))
			return ctl_usage(cmd, EX_OK);
	log_init("mashwatchctl", debug);
	/* getopt names argv[0] in its complaints: the program, then the command. */
	snprintf(progname, sizeof(progname), "mashwatchctl %s", cmd->name);
	/* The region's analyst has extracts, not an authority's config. */
	if (cmd->no_config) {
		optind = 1;
		ctl.command = cmd;
		argv[0] = progname;
		return cmd->fn(&ctl, argc, argv);
	}
	/* --config-as: the daemon's report child reads its copy of the file. */
	if ((ctl.cfg = setup_config_as(ctl.config_path, config_as ? config_as :
	    ctl.config_path)) == NULL)
		return EX_CONFIG;
	if ((ctl.cal = setup_calendar(ctl.cfg)) == NULL) {
		config_free(ctl.cfg);
		return EX_CONFIG;
	}
	optind = 1;
	ctl.command = cmd;
	argv[0] = progname;
	rc = cmd->fn(&ctl, argc, argv);
	calendar_free(ctl.cal);
	config_free(ctl.cfg);
	return rc;
}
