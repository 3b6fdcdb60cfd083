/*
 * mashwatchctl region: the monthly regional extracts of several
 * authorities side by side (lib/region.c), for a regional improvement
 * alliance or a shared service.  Reads files only: no database, no config.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mashwatch/calendar.h"
#include "mashwatch/region.h"
#include "mashwatch/xmalloc.h"
#include "ctl.h"

/* An extract is a few kilobytes; anything this big is not one. */
#define REGION_FILE_MAX	(16 * 1024 * 1024)

static const char *const region_formats[] = { "html", "csv", "json" };

char *
ctl_file_slurp(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	buf = xmalloc(REGION_FILE_MAX + 1);
	n = fread(buf, 1, REGION_FILE_MAX + 1, fp);
	if (ferror(fp) || n > REGION_FILE_MAX) {
		snprintf(err, errlen, "%s", ferror(fp) ? strerror(errno) :
		    "larger than 16 MiB: not an extract");
		free(buf);
		buf = NULL;
	} else
		buf[n] = '\0';
	fclose(fp);
	return buf;
}

int
ctl_region(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "month", required_argument, NULL, 'M' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct region *rg = NULL;
	struct cal_date d;
	const char *month = NULL;
	char buf[16], err[512];
	int ch, format = RGF_HTML, rc = EX_USAGE;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'M':
			snprintf(buf, sizeof(buf), "%s-01", optarg);
			if (strlen(optarg) != 7 || cal_date_parse(buf, &d) < 0) {
				fprintf(stderr, "mashwatchctl: --month '%s' is "
				    "not a month (YYYY-MM)\n", optarg);
				goto out;
			}
			month = optarg;
			break;
		case 'F':
			for (format = 0; format < 3; format++)
				if (strcmp(optarg, region_formats[format]) == 0)
					break;
			if (format == 3) {
				fprintf(stderr, "mashwatchctl: --format '%s' is "
				    "not html, csv or json\n", optarg);
				goto out;
			}
			break;
		default:
			goto usage;
		}
	}
	if (month == NULL || optind >= argc)
		goto usage;
	rg = region_new(month);
	rc = EX_DATAERR;
	for (int i = optind; i < argc; i++) {
		char *text = ctl_file_slurp(argv[i], err, sizeof(err));

		if (text == NULL) {
			fprintf(stderr, "mashwatchctl: region: %s: %s\n",
			    argv[i], err);
			rc = EX_NOINPUT;
			goto out;
		}
		if (region_add(rg, text, argv[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "mashwatchctl: region: %s: refused: "
			    "%s\n", argv[i], err);
			free(text);
			goto out;
		}
		free(text);
	}
	rc = region_write(rg, format, stdout) < 0 || fflush(stdout) != 0 ?
	    EX_IOERR : EX_OK;
	goto out;
usage:
	rc = ctl_usage(ctl->command, EX_USAGE);
out:
	region_free(rg);
	return rc;
}
