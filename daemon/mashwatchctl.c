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
#include "log.h"
#include "setup.h"

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*usage;
} commands[] = {
	{ "migrate", ctl_migrate, "migrate" },
	{ "status", ctl_status, "status" },
	{ "due", ctl_due, "due --clock C [--priority P] --from TIME" },
	{ "ack", ctl_ack, "ack ALERT_ID --by NAME [--note TEXT] [--until TIME]" },
	{ "history", ctl_history, "history --child ID" },
	{ "test-email", ctl_test_email,
	  "test-email default|data_quality|report|team:ID|escalation:ID|"
	  "route:NAME" },
	{ "routes", ctl_routes, "routes" },
	{ "report", ctl_report,
	    "report [--date D] [--format text|html|csv|json] [--send]" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mashwatchctl [-c FILE] [-d] COMMAND ...\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, "       mashwatchctl [-c FILE] %s\n",
		    commands[i].usage);
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .config_path = DEFAULT_CONFIG };
	bool debug = false;
	int ch, rc;

	/* '+': options after the command belong to the command. */
	while ((ch = getopt_long(argc, argv, "+c:dh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctl.config_path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init(debug);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if ((ctl.cfg = setup_config(ctl.config_path)) == NULL)
			return EX_CONFIG;
		if ((ctl.cal = setup_calendar(ctl.cfg)) == NULL) {
			config_free(ctl.cfg);
			return EX_CONFIG;
		}
		optind = 1;
		rc = commands[i].fn(&ctl, argc, argv);
		calendar_free(ctl.cal);
		config_free(ctl.cfg);
		return rc;
	}
	fprintf(stderr, "mashwatchctl: unknown command '%s'\n", argv[0]);
	usage();
}
