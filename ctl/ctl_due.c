/* mashwatchctl due: when a clock started at a given time is due. */
#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

#include "ctl.h"
#include "daemon/setup.h"

int
ctl_due(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clock", required_argument, NULL, 'k' },
		{ "priority", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *clock = NULL, *priority = NULL, *from = NULL;
	const struct clock_conf *cc;
	const struct timescale *limit;
	char buf[40];
	int64_t start, due;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			clock = optarg;
			break;
		case 'p':
			priority = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (clock == NULL || from == NULL || optind != argc)
		goto usage;
	if ((cc = config_clock(ctl->cfg, clock)) == NULL) {
		fprintf(stderr, "mashwatchctl: %s has no clock '%s'\n",
		    ctl->cfg->path, clock);
		return EX_DATAERR;
	}
	if ((limit = config_clock_limit(cc, priority)) == NULL) {
		fprintf(stderr, "mashwatchctl: clock %s has no priority '%s'\n",
		    clock, priority);
		return EX_DATAERR;
	}
	/* The one time syntax: a local time or date, or with its offset. */
	if (calendar_parse_iso(ctl->cal, from, &start) < 0) {
		fprintf(stderr, "mashwatchctl: --from '%s' is not an ISO 8601 "
		    "date or time, e.g. 2022-04-14, 2022-04-14T10:00 or "
		    "2022-04-14T09:00:00Z\n", from);
		return EX_USAGE;
	}
	due = calendar_due(ctl->cal, start, limit);
	setup_warn_coverage(ctl->cal, start);
	setup_warn_coverage(ctl->cal, due);
	calendar_format_iso(ctl->cal, due, buf, sizeof(buf));
	printf("%s\n", buf);
	return EX_OK;
usage:
	fprintf(stderr, "usage: mashwatchctl [-c FILE] due --clock C "
	    "[--priority P] --from TIME\n");
	return EX_USAGE;
}
