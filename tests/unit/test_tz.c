/*
 * Unit tests for lib/tz.c: TZif reading, the POSIX TZ footer rules, local
 * to UTC conversion, and glibc as an oracle for the real zones.
 *
 * Expected instants are written as ISO strings with their offsets and
 * turned into epoch seconds with timegm(3), never with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mashwatch/tz.h"

#include "testutil.h"

static char tmpdir[] = "/tmp/mashwatch-tz-XXXXXX";

/* A wall-clock reading "YYYY-MM-DDTHH:MM:SS" as local seconds. */
static int64_t
wall(const char *s)
{
	return tu_at(s);
}

static void
utc_string(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct tz *
load(const char *name)
{
	char err[256];
	struct tz *tz;

	if ((tz = tz_load(name, err, sizeof(err))) == NULL) {
		print_error("tz_load %s: %s\n", name, err);
		fail();
	}
	return tz;
}

/*
 * A synthetic TZif file: transitions into types, a footer (NULL writes
 * none), optionally leap-second records.  Version '\0' writes a v1 file.
 */
struct tzif {
	char		 version;
	int		 ntrans;
	int64_t		 trans[4];
	unsigned char	 idx[4];
	int		 ntypes;
	int32_t		 utoff[3];
	const char	*footer;
	int		 leapcnt;
};

static void
put32(FILE *fp, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	fwrite(b, 1, 4, fp);
}

static void
put64(FILE *fp, int64_t v)
{
	put32(fp, (uint32_t)((uint64_t)v >> 32));
	put32(fp, (uint32_t)v);
}

static void
put_header(FILE *fp, const struct tzif *z)
{
	static const unsigned char zero[15];

	fwrite("TZif", 1, 4, fp);
	fputc(z->version, fp);
	fwrite(zero, 1, sizeof(zero), fp);
	put32(fp, 0);
	put32(fp, 0);
	put32(fp, (uint32_t)z->leapcnt);
	put32(fp, (uint32_t)z->ntrans);
	put32(fp, (uint32_t)z->ntypes);
	put32(fp, 4);
}

static void
put_block(FILE *fp, const struct tzif *z, bool wide)
{
	int i;

	for (i = 0; i < z->ntrans; i++)
		if (wide)
			put64(fp, z->trans[i]);
		else
			put32(fp, (uint32_t)z->trans[i]);
	for (i = 0; i < z->ntrans; i++)
		fputc(z->idx[i], fp);
	for (i = 0; i < z->ntypes; i++) {
		put32(fp, (uint32_t)z->utoff[i]);
		fputc(0, fp);
		fputc(0, fp);
	}
	fwrite("XXX", 1, 4, fp);
	for (i = 0; i < z->leapcnt; i++) {
		if (wide)
			put64(fp, 78796800 + i);
		else
			put32(fp, 78796800 + (uint32_t)i);
		put32(fp, (uint32_t)i + 1);
	}
}

static void
write_file(const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(fp = fopen(path, "wb"));
	fwrite(data, 1, len, fp);
	fclose(fp);
}

static void
write_tzif(const char *name, const struct tzif *z)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(fp = fopen(path, "wb"));
	put_header(fp, z);
	put_block(fp, z, false);
	if (z->version != '\0') {
		put_header(fp, z);
		put_block(fp, z, true);
		if (z->footer != NULL)
			fprintf(fp, "\n%s\n", z->footer);
	}
	fclose(fp);
}

/* Load from the scratch TZDIR, leaving TZDIR unset for everyone else. */
static struct tz *
load_scratch(const char *name, char *err, size_t errlen)
{
	struct tz *tz;

	setenv("TZDIR", tmpdir, 1);
	tz = tz_load(name, err, errlen);
	unsetenv("TZDIR");
	return tz;
}

/* A file holding only a footer: every instant follows the rule. */
static struct tz *
load_footer(const char *footer, char *err, size_t errlen)
{
	struct tzif z = { .version = '2', .ntypes = 1, .footer = footer };

	write_tzif("footer", &z);
	return load_scratch("footer", err, errlen);
}

static int
setup(void **state)
{
	(void)state;
	unsetenv("TZDIR");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	static const char *names[] = { "footer", "v1", "v2", "v3", "junk",
	    "short", "nofooter", "leap", "unsorted", "badidx", "badver",
	    "hugeoff" };
	char path[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static void
test_tz_load_rejects_unsafe_names(void **state)
{
	static const struct {
		const char	*name;
		const char	*why;
	} rows[] = {
		{ "", "empty" },
		{ "/etc/passwd", "absolute" },
		{ "/usr/share/zoneinfo/UTC", "absolute even if it is a zone" },
		{ "..", "parent directory" },
		{ "../etc/passwd", "climbs out of the zone directory" },
		{ "Europe/../../etc/passwd", "climbs out from inside" },
		{ "Europe/..", "ends in .." },
		{ "Europe/./London", "a . component" },
		{ "Europe//London", "an empty component" },
		{ "Europe/", "a trailing slash" },
		{ "Europe/London\n", "a control character" },
		{ "Europe/Lon don", "a blank" },
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		if (tz_load(rows[i].name, err, sizeof(err)) != NULL) {
			print_error("accepted \"%s\" (%s)\n", rows[i].name,
			    rows[i].why);
			fail();
		}
		assert_non_null(strstr(err, "not a safe time zone name"));
	}
	assert_null(tz_load(NULL, err, sizeof(err)));
}

static void
test_tz_load_missing_and_directories(void **state)
{
	char err[256];

	(void)state;
	/* The message names the file that was looked for. */
	assert_null(tz_load("Europe/Atlantis", err, sizeof(err)));
	assert_non_null(strstr(err, "/usr/share/zoneinfo/Europe/Atlantis"));
	/* A directory of zones is not a zone. */
	assert_null(tz_load("Europe", err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	/* TZDIR is honoured: the real zone is not in the scratch directory. */
	assert_null(load_scratch("Europe/London", err, sizeof(err)));
	assert_non_null(strstr(err, tmpdir));
}

static void
test_tz_load_rejects_malformed_files(void **state)
{
	struct tzif unsorted = { .version = '2', .ntrans = 2,
	    .trans = { 2000, 1000 }, .idx = { 0, 0 }, .ntypes = 1,
	    .footer = "" };
	struct tzif badidx = { .version = '2', .ntrans = 1,
	    .trans = { 1000 }, .idx = { 3 }, .ntypes = 1, .footer = "" };
	struct tzif nofooter = { .version = '2', .ntypes = 1 };
	struct tzif leap = { .version = '2', .ntypes = 1, .footer = "UTC0",
	    .leapcnt = 2 };
	struct tzif badver = { .version = '9', .ntypes = 1, .footer = "" };
	struct tzif hugeoff = { .version = '2', .ntypes = 1,
	    .utoff = { 30 * 3600 }, .footer = "" };
	static const struct {
		const char	*name;
		const char	*msg;
		const char	*why;
	} rows[] = {
		{ "junk", "not a TZif file", "text, no magic" },
		{ "short", "truncated", "a real zone cut after 100 bytes" },
		{ "nofooter", "missing footer", "v2 data but no footer" },
		{ "leap", "leap-second", "right/ zones count leap seconds" },
		{ "unsorted", "bad transition", "transitions out of order" },
		{ "badidx", "bad transition", "type index past the types" },
		{ "badver", "not a TZif file", "unknown version byte" },
		{ "hugeoff", "bad local time type", "offset of 30 hours" },
	};
	unsigned char real[4096];
	char err[256];
	size_t i, n;
	FILE *fp;

	(void)state;
	write_file("junk", "hello, world\n", 13);
	assert_non_null(fp = fopen("/usr/share/zoneinfo/Europe/London", "rb"));
	n = fread(real, 1, sizeof(real), fp);
	fclose(fp);
	assert_true(n > 100);
	write_file("short", real, 100);
	write_tzif("nofooter", &nofooter);
	write_tzif("leap", &leap);
	write_tzif("unsorted", &unsorted);
	write_tzif("badidx", &badidx);
	write_tzif("badver", &badver);
	write_tzif("hugeoff", &hugeoff);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		if (load_scratch(rows[i].name, err, sizeof(err)) != NULL ||
		    strstr(err, rows[i].msg) == NULL) {
			print_error("%s (%s): got \"%s\", want \"%s\"\n",
			    rows[i].name, rows[i].why, err, rows[i].msg);
			fail();
		}
		assert_non_null(strstr(err, "malformed TZif file"));
	}
}

static void
test_tz_reads_each_version(void **state)
{
	/* v1: 32-bit data, no footer; the last type holds for ever after. */
	struct tzif v1 = { .version = '\0', .ntrans = 2,
	    .trans = { 1000000000, 1100000000 }, .idx = { 1, 2 }, .ntypes = 3,
	    .utoff = { -75, 3600, 7200 } };
	/* v2: one transition out of local mean time, then the London rule. */
	struct tzif v2 = { .version = '2', .ntrans = 1,
	    .trans = { 946684800 }, .idx = { 1 }, .ntypes = 2,
	    .utoff = { -75, 0 }, .footer = "GMT0BST,M3.5.0/1,M10.5.0" };
	/* v3: a 64-bit transition before 1901 and a rule past 24 hours. */
	struct tzif v3 = { .version = '3', .ntrans = 1,
	    .trans = { -2840141042LL }, .idx = { 1 }, .ntypes = 2,
	    .utoff = { 8454, 7200 }, .footer = "IST-2IDT,M3.4.4/26,M10.5.0" };
	char err[256];
	struct tz *tz;

	(void)state;
	write_tzif("v1", &v1);
	write_tzif("v2", &v2);
	write_tzif("v3", &v3);

	assert_non_null(tz = load_scratch("v1", err, sizeof(err)));
	assert_string_equal(tz_name(tz), "v1");
	/* Before the first transition: type 0. */
	assert_int_equal(tz_offset_at(tz, 999999999), -75);
	/* At a transition the new type is already in force. */
	assert_int_equal(tz_offset_at(tz, 1000000000), 3600);
	assert_int_equal(tz_offset_at(tz, 1099999999), 3600);
	assert_int_equal(tz_offset_at(tz, 1100000000), 7200);
	assert_int_equal(tz_offset_at(tz, tu_at("2060-01-01T00:00:00Z")), 7200);
	tz_free(tz);

	assert_non_null(tz = load_scratch("v2", err, sizeof(err)));
	assert_int_equal(tz_offset_at(tz, 946684799), -75);
	assert_int_equal(tz_offset_at(tz, 946684800), 0);
	/* After the transition the footer rules: BST in summer 2022. */
	assert_int_equal(tz_offset_at(tz, tu_at("2022-07-01T12:00:00Z")), 3600);
	assert_int_equal(tz_offset_at(tz, tu_at("2022-12-01T12:00:00Z")), 0);
	tz_free(tz);

	assert_non_null(tz = load_scratch("v3", err, sizeof(err)));
	/* Type 0 before a transition in 1880, beyond 32-bit times. */
	assert_int_equal(tz_offset_at(tz, -2840141043LL), 8454);
	assert_int_equal(tz_offset_at(tz, -2840141042LL), 7200);
	/* 2023: 4th Thursday of March is the 23rd; 26:00 is Fri 02:00. */
	assert_int_equal(tz_offset_at(tz, tu_at("2023-03-23T23:59:59Z")), 7200);
	assert_int_equal(tz_offset_at(tz, tu_at("2023-03-24T00:00:00Z")),
	    10800);
	tz_free(tz);
}

static void
test_tz_footer_rules(void **state)
{
	static const struct {
		const char	*footer;
		const char	*when;
		int		 off;
		const char	*why;
	} rows[] = {
		{ "UTC0", "2022-07-01T00:00:00Z", 0, "no daylight time" },
		{ "<+13>-13", "2022-07-01T00:00:00Z", 13 * 3600,
		  "quoted name, east of UTC" },
		{ "<-0330>3:30", "2022-07-01T00:00:00Z", -(3 * 3600 + 1800),
		  "minutes in the offset" },
		{ "XXX-5:45:30", "2022-07-01T00:00:00Z", 5 * 3600 + 2730,
		  "seconds in the offset" },
		/* London: Mm.w.d with /1, 01:00 GMT both ways. */
		{ "GMT0BST,M3.5.0/1,M10.5.0", "2045-03-26T00:59:59Z", 0,
		  "2045: the second before the spring change" },
		{ "GMT0BST,M3.5.0/1,M10.5.0", "2045-03-26T01:00:00Z", 3600,
		  "2045: last Sunday of March, 01:00 GMT" },
		{ "GMT0BST,M3.5.0/1,M10.5.0", "2045-10-29T00:59:59Z", 3600,
		  "2045: the second before the autumn change" },
		{ "GMT0BST,M3.5.0/1,M10.5.0", "2045-10-29T01:00:00Z", 0,
		  "2045: last Sunday of October, 02:00 BST" },
		{ "GMT0BST,M3.5.0/1,M10.5.0", "2060-03-28T01:00:00Z", 3600,
		  "2060: the 28th is the last Sunday (week 5 = last)" },
		{ "GMT0BST,M3.5.0/1,M10.5.0", "2060-03-21T12:00:00Z", 0,
		  "2060: a week earlier is still GMT" },
		/* Nuuk: negative rule time, -1:00 local is 01:00 UTC. */
		{ "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2023-03-26T00:59:59Z",
		  -7200, "negative /time: not yet" },
		{ "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2023-03-26T01:00:00Z",
		  -3600, "negative /time: Saturday 23:00 local" },
		{ "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2023-10-29T00:59:59Z",
		  -3600, "/0 end: not yet" },
		{ "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2023-10-29T01:00:00Z",
		  -7200, "/0 end: midnight daylight time" },
		/* Jerusalem: /26 runs into the next day. */
		{ "IST-2IDT,M3.4.4/26,M10.5.0", "2023-03-24T00:00:00Z", 10800,
		  "26:00 on Thursday the 23rd" },
		{ "IST-2IDT,M3.4.4/26,M10.5.0", "2023-10-28T22:59:59Z", 10800,
		  "the second before 02:00 IDT on the 29th" },
		{ "IST-2IDT,M3.4.4/26,M10.5.0", "2023-10-28T23:00:00Z", 7200,
		  "02:00 IDT on Sunday the 29th" },
		/* Sydney: southern hemisphere, daylight time over New Year. */
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", "2023-01-15T00:00:00Z",
		  39600, "January is summer" },
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", "2023-04-01T15:59:59Z",
		  39600, "the second before 03:00 AEDT on Sunday 2 April" },
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", "2023-04-01T16:00:00Z",
		  36000, "03:00 AEDT on Sunday 2 April" },
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", "2023-09-30T15:59:59Z",
		  36000, "the second before 02:00 AEST on Sunday 1 October" },
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", "2023-09-30T16:00:00Z",
		  39600, "02:00 AEST on Sunday 1 October" },
		/* Default /02:00 and default offset: std + 1 hour. */
		{ "EST5EDT,M3.2.0,M11.1.0", "2022-03-13T06:59:59Z", -18000,
		  "before 02:00 EST on the 2nd Sunday of March" },
		{ "EST5EDT,M3.2.0,M11.1.0", "2022-03-13T07:00:00Z", -14400,
		  "02:00 EST on Sunday 13 March" },
		{ "EST5EDT,M3.2.0,M11.1.0", "2022-11-06T05:59:59Z", -14400,
		  "before 02:00 EDT on the 1st Sunday of November" },
		{ "EST5EDT,M3.2.0,M11.1.0", "2022-11-06T06:00:00Z", -18000,
		  "02:00 EDT on Sunday 6 November" },
		/* Daylight time all year: the v3 example from RFC 8536. */
		{ "EST5EDT,0/0,J365/25", "2023-01-01T00:00:00Z", -14400,
		  "permanent daylight time on New Year's Eve" },
		{ "EST5EDT,0/0,J365/25", "2023-01-01T05:00:00Z", -14400,
		  "the instant both rules meet" },
		{ "EST5EDT,0/0,J365/25", "2024-07-01T00:00:00Z", -14400,
		  "permanent daylight time in summer" },
		/* Jn skips February 29, n counts it (2024 is leap). */
		{ "XXX0YYY,J60/0,J300/0", "2024-02-29T12:00:00Z", 0,
		  "J60 is 1 March even in a leap year" },
		{ "XXX0YYY,J60/0,J300/0", "2024-03-01T00:00:00Z", 3600,
		  "J60 is 1 March" },
		{ "XXX0YYY,J60/0,J300/0", "2024-10-26T22:59:59Z", 3600,
		  "J300 is 27 October: not yet" },
		{ "XXX0YYY,J60/0,J300/0", "2024-10-26T23:00:00Z", 0,
		  "J300 is 27 October, 00:00 daylight time" },
		{ "XXX0YYY,59/0,299/0", "2024-02-29T00:00:00Z", 3600,
		  "day 59 counting from 0 is 29 February in 2024" },
		{ "XXX0YYY,59/0,299/0", "2024-02-28T23:59:59Z", 0,
		  "and not before" },
		{ "XXX0YYY,59/0,299/0", "2023-02-28T12:00:00Z", 0,
		  "in 2023 day 59 is 1 March" },
		{ "XXX0YYY,59/0,299/0", "2023-03-01T00:00:00Z", 3600,
		  "1 March 2023" },
		{ "XXX0YYY,59/0,299/0", "2024-10-25T23:00:00Z", 0,
		  "day 299 is 26 October in 2024" },
		{ "XXX0YYY,59/0,299/0", "2023-10-26T23:00:00Z", 0,
		  "day 299 is 27 October in 2023" },
		{ "XXX0YYY,59/0,299/0", "2023-10-26T22:59:59Z", 3600,
		  "and not before" },
		/* Rule times past a week of hours are allowed up to 167. */
		{ "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2023-03-11T22:59:59Z", 0,
		  "Sunday 5 March + 167h is Saturday 11 March 23:00" },
		{ "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2023-03-11T23:00:00Z",
		  3600, "and from then on daylight time" },
		{ "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2023-09-23T23:59:59Z",
		  3600, "Sunday 1 October - 167h is Sunday 24 September 01:00"
		  " daylight = 00:00 UTC" },
		{ "XXX0YYY,M3.1.0/167,M10.1.0/-167", "2023-09-24T00:00:00Z", 0,
		  "and from then on standard time" },
	};
	char err[256], when[32];
	struct tz *tz;
	size_t i;
	int bad = 0, off;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if ((tz = load_footer(rows[i].footer, err, sizeof(err))) ==
		    NULL) {
			print_error("%s: %s\n", rows[i].footer, err);
			bad++;
			continue;
		}
		off = tz_offset_at(tz, tu_at(rows[i].when));
		if (off != rows[i].off) {
			utc_string(tu_at(rows[i].when), when, sizeof(when));
			print_error("%s at %s (%s): got %d, want %d\n",
			    rows[i].footer, when, rows[i].why, off,
			    rows[i].off);
			bad++;
		}
		tz_free(tz);
	}
	assert_int_equal(bad, 0);
}

static void
test_tz_footer_rejects_bad_rules(void **state)
{
	static const struct {
		const char	*footer;
		const char	*why;
	} rows[] = {
		{ "GMT", "no offset" },
		{ "G0", "name shorter than three letters" },
		{ "<+1>-1", "quoted name shorter than three" },
		{ "<+13-13", "unterminated quoted name" },
		{ "GMT0x", "trailing junk after the offset" },
		{ "GMT25", "offset hour past 24" },
		{ "GMT0:60", "minutes past 59" },
		{ "GMT0BST", "daylight time without rules" },
		{ "GMT0BST,M3.5.0/1", "only one rule" },
		{ "GMT0BST,M13.1.0,M10.5.0", "month 13" },
		{ "GMT0BST,M3.6.0,M10.5.0", "week 6" },
		{ "GMT0BST,M3.5.7,M10.5.0", "weekday 7" },
		{ "GMT0BST,M3.5,M10.5.0", "missing weekday" },
		{ "GMT0BST,J0,J365", "J counts from 1" },
		{ "GMT0BST,J366,J365", "J stops at 365" },
		{ "GMT0BST,366,1", "n stops at 365" },
		{ "GMT0BST,M3.5.0/168,M10.5.0", "rule time past 167 hours" },
		{ "GMT0BST,M3.5.0/-168,M10.5.0", "rule time below -167 hours" },
		{ "GMT0BST,M3.5.0,M10.5.0,", "a third rule" },
		{ "GMT0BST,M3.5.0,M10.5.0 ", "trailing blank" },
	};
	char err[256];
	struct tz *tz;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		if ((tz = load_footer(rows[i].footer, err, sizeof(err))) !=
		    NULL) {
			print_error("accepted \"%s\" (%s)\n", rows[i].footer,
			    rows[i].why);
			tz_free(tz);
			fail();
		}
		assert_non_null(strstr(err, "bad TZ string in footer"));
	}
}

static void
test_tz_real_zones(void **state)
{
	static const struct {
		const char	*zone;
		const char	*when;
		int		 off;
		const char	*why;
	} rows[] = {
		{ "UTC", "2022-07-01T00:00:00Z", 0, "UTC in summer" },
		{ "Europe/London", "2022-03-27T00:59:59Z", 0,
		  "2022 spring change is at 01:00 UTC on the 27th" },
		{ "Europe/London", "2022-03-27T01:00:00Z", 3600,
		  "BST begins" },
		{ "Europe/London", "2022-10-30T00:59:59Z", 3600,
		  "last second of BST 2022" },
		{ "Europe/London", "2022-10-30T01:00:00Z", 0, "GMT again" },
		{ "Europe/London", "1969-12-31T23:00:00Z", 3600,
		  "British Standard Time, 1968-1971, all year" },
		{ "Europe/London", "1971-12-01T00:00:00Z", 0,
		  "and back to GMT in winter 1971" },
		{ "Europe/London", "2040-03-25T01:00:00Z", 3600,
		  "2040: last Sunday of March is the 25th" },
		{ "Europe/London", "2040-03-25T00:59:59Z", 0,
		  "2040: just before" },
		{ "Europe/London", "2060-10-31T01:00:00Z", 0,
		  "2060: last Sunday of October is the 31st" },
		{ "Europe/London", "2060-10-31T00:59:59Z", 3600,
		  "2060: just before" },
		{ "America/New_York", "2022-03-13T07:00:00Z", -14400,
		  "EDT from 02:00 EST on 13 March 2022" },
		{ "America/New_York", "2022-03-13T06:59:59Z", -18000,
		  "EST until then" },
		{ "Australia/Sydney", "2022-10-01T16:00:00Z", 39600,
		  "AEDT from 02:00 AEST on 2 October 2022" },
		{ "Australia/Sydney", "2022-04-02T15:59:59Z", 39600,
		  "AEDT until 03:00 AEDT on 3 April 2022" },
		{ "Australia/Sydney", "2022-04-02T16:00:00Z", 36000,
		  "AEST from then" },
		{ "Asia/Kolkata", "2022-07-01T00:00:00Z", 19800,
		  "half-hour offset" },
	};
	struct tz *tz;
	size_t i;
	int bad = 0, off;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tz = load(rows[i].zone);
		assert_string_equal(tz_name(tz), rows[i].zone);
		off = tz_offset_at(tz, tu_at(rows[i].when));
		if (off != rows[i].off) {
			print_error("%s at %s (%s): got %d, want %d\n",
			    rows[i].zone, rows[i].when, rows[i].why, off,
			    rows[i].off);
			bad++;
		}
		tz_free(tz);
	}
	assert_int_equal(bad, 0);
}

static void
test_tz_local_to_utc(void **state)
{
	static const struct {
		const char	*zone;
		const char	*local;
		const char	*utc;
		const char	*why;
	} rows[] = {
		{ "UTC", "2022-04-14T10:00:00", "2022-04-14T10:00:00Z",
		  "UTC is the identity" },
		{ "Europe/London", "2022-01-14T10:00:00",
		  "2022-01-14T10:00:00Z", "winter" },
		{ "Europe/London", "2022-07-14T10:00:00",
		  "2022-07-14T09:00:00Z", "summer" },
		{ "Europe/London", "2022-03-27T00:59:59",
		  "2022-03-27T00:59:59Z", "the last second before the gap" },
		{ "Europe/London", "2022-03-27T01:00:00",
		  "2022-03-27T01:00:00Z", "gap: 01:00 never happens" },
		{ "Europe/London", "2022-03-27T01:30:00",
		  "2022-03-27T01:00:00Z", "gap: first instant after it" },
		{ "Europe/London", "2022-03-27T01:59:59",
		  "2022-03-27T01:00:00Z", "gap: its last second" },
		{ "Europe/London", "2022-03-27T02:00:00",
		  "2022-03-27T01:00:00Z", "02:00 BST is the first instant" },
		{ "Europe/London", "2022-10-30T00:59:59",
		  "2022-10-29T23:59:59Z", "just before the overlap" },
		{ "Europe/London", "2022-10-30T01:00:00",
		  "2022-10-30T00:00:00Z", "overlap: the earlier 01:00 (BST)" },
		{ "Europe/London", "2022-10-30T01:30:00",
		  "2022-10-30T00:30:00Z", "overlap: the earlier 01:30" },
		{ "Europe/London", "2022-10-30T01:59:59",
		  "2022-10-30T00:59:59Z", "overlap: its last second" },
		{ "Europe/London", "2022-10-30T02:00:00",
		  "2022-10-30T02:00:00Z", "after the overlap" },
		{ "Europe/London", "2045-03-26T01:30:00",
		  "2045-03-26T01:00:00Z", "2045 gap, from the footer rule" },
		{ "Europe/London", "2045-10-29T01:30:00",
		  "2045-10-29T00:30:00Z", "2045 overlap, earlier instant" },
		{ "Europe/London", "1970-01-01T00:00:00",
		  "1969-12-31T23:00:00Z", "British Standard Time" },
		{ "America/New_York", "2022-03-13T02:30:00",
		  "2022-03-13T07:00:00Z", "US gap: 03:00 EDT comes first" },
		{ "America/New_York", "2022-11-06T01:30:00",
		  "2022-11-06T05:30:00Z", "US overlap: 01:30 EDT" },
		{ "Australia/Sydney", "2022-10-02T02:30:00",
		  "2022-10-01T16:00:00Z", "southern gap: 03:00 AEDT" },
		{ "Australia/Sydney", "2022-04-03T02:30:00",
		  "2022-04-02T15:30:00Z", "southern overlap: 02:30 AEDT" },
		{ "America/Sao_Paulo", "2018-11-04T00:00:00",
		  "2018-11-04T03:00:00Z", "a gap at midnight: 01:00 -02" },
	};
	char got[32];
	struct tz *tz;
	int64_t u;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tz = load(rows[i].zone);
		u = tz_local_to_utc(tz, wall(rows[i].local));
		if (u != tu_at(rows[i].utc)) {
			utc_string(u, got, sizeof(got));
			print_error("%s %s (%s): got %s, want %s\n",
			    rows[i].zone, rows[i].local, rows[i].why, got,
			    rows[i].utc);
			bad++;
		}
		tz_free(tz);
	}
	assert_int_equal(bad, 0);
}

/* The oracle: glibc with TZ set, only ever inside this test. */
static int
glibc_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	assert_non_null(localtime_r(&tt, &tm));
	return (int)tm.tm_gmtoff;
}

static uint64_t
next_random(uint64_t *s)
{
	/* splitmix64: fixed seed, so a failure can be reproduced. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Around one transition T from offset a to b, found by bisection. */
static int
check_transition(const struct tz *tz, const char *zone, int64_t lo,
    int64_t hi)
{
	int64_t mid, t;
	int a, b, bad = 0;

	a = glibc_offset(lo);
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (glibc_offset(mid) == a)
			lo = mid;
		else
			hi = mid;
	}
	t = hi;
	b = glibc_offset(t);
	if (tz_offset_at(tz, t - 1) != a || tz_offset_at(tz, t) != b) {
		print_error("%s: transition at %lld: got %d/%d, want %d/%d\n",
		    zone, (long long)t, tz_offset_at(tz, t - 1),
		    tz_offset_at(tz, t), a, b);
		bad++;
	}
	if (b > a) {
		/* A gap: every missing wall time maps to t. */
		bad += tz_local_to_utc(tz, t + a - 1) != t - 1;
		bad += tz_local_to_utc(tz, t + a) != t;
		bad += tz_local_to_utc(tz, t + b - 1) != t;
		bad += tz_local_to_utc(tz, t + b) != t;
	} else if (b < a) {
		/* An overlap: each repeated wall time maps to its first. */
		bad += tz_local_to_utc(tz, t + b) != t + b - a;
		bad += tz_local_to_utc(tz, t + a - 1) != t - 1;
		bad += tz_local_to_utc(tz, t + a) != t + a - b;
	}
	if (bad)
		print_error("%s: local_to_utc wrong around %lld\n", zone,
		    (long long)t);
	return bad;
}

static void
test_tz_agrees_with_glibc(void **state)
{
	static const char *zones[] = { "Europe/London", "America/New_York",
	    "Australia/Sydney", "UTC" };
	const int64_t lo = tu_at("1990-01-01T00:00:00Z");
	const int64_t hi = tu_at("2061-01-01T00:00:00Z");
	const int64_t step = 6 * 3600;
	uint64_t seed = 20220414;
	int64_t t, l, u;
	int bad = 0, i, n, transitions;
	size_t z;
	struct tz *tz;

	(void)state;
	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		tz = load(zones[z]);
		setenv("TZ", zones[z], 1);
		tzset();
		/* Random instants: offsets agree and local time maps back. */
		for (i = 0; i < 20000 && bad < 10; i++) {
			t = lo + (int64_t)(next_random(&seed) %
			    (uint64_t)(hi - lo));
			n = glibc_offset(t);
			if (tz_offset_at(tz, t) != n) {
				print_error("%s at %lld: got %d, want %d\n",
				    zones[z], (long long)t,
				    tz_offset_at(tz, t), n);
				bad++;
			}
			l = t + n;
			u = tz_local_to_utc(tz, l);
			if (u > t || u + glibc_offset(u) != l) {
				print_error("%s: local %lld gave %lld\n",
				    zones[z], (long long)l, (long long)u);
				bad++;
			}
		}
		/* Every transition in 1990-2060, to the second. */
		transitions = 0;
		for (t = lo; t < hi && bad < 10; t += step) {
			if (glibc_offset(t) == glibc_offset(t + step))
				continue;
			transitions++;
			bad += check_transition(tz, zones[z], t, t + step);
		}
		/* Two a year in the zones with daylight time, none in UTC. */
		if (strcmp(zones[z], "UTC") == 0)
			assert_int_equal(transitions, 0);
		else
			assert_true(transitions >= 140);
		tz_free(tz);
	}
	unsetenv("TZ");
	tzset();
	assert_int_equal(bad, 0);
}

/*
 * The civil-date arithmetic the calendar shares.  Day numbers and weekdays
 * were worked out with Python's datetime (toordinal() - 719163), not with
 * the code under test.
 */
static const struct civil_row {
	int		y, m, d;
	int64_t		days;
	int		wday;	/* 0 = Sunday */
	int		mdays;	/* days in that month */
} civil_rows[] = {
	{ 1970, 1, 1, 0, 4, 31 },
	{ 1969, 12, 31, -1, 3, 31 },
	{ 2000, 2, 29, 11016, 2, 29 },
	{ 2000, 3, 1, 11017, 3, 31 },
	{ 1900, 2, 28, -25509, 3, 28 },
	{ 1900, 3, 1, -25508, 4, 31 },
	{ 2024, 2, 29, 19782, 4, 29 },
	{ 2024, 12, 31, 20088, 2, 31 },
	{ 1600, 1, 1, -135140, 6, 31 },
	{ 1, 1, 1, -719162, 1, 31 },
	{ 9999, 12, 31, 2932896, 5, 31 },
	{ 2038, 1, 19, 24855, 2, 31 },
	{ 2023, 2, 1, 19389, 3, 28 },
	{ 2023, 4, 30, 19477, 0, 30 },
};

static void
test_tz_civil_arithmetic(void **state)
{
	const struct civil_row *r;
	int64_t y, z;
	int m, d;

	(void)state;
	for (size_t i = 0; i < sizeof(civil_rows) / sizeof(civil_rows[0]);
	    i++) {
		r = &civil_rows[i];
		assert_int_equal(tz_days_from_civil(r->y, r->m, r->d), r->days);
		tz_civil_from_days(r->days, &y, &m, &d);
		assert_int_equal(y, r->y);
		assert_int_equal(m, r->m);
		assert_int_equal(d, r->d);
		assert_int_equal(tz_weekday_of_days(r->days), r->wday);
		assert_int_equal(tz_month_days(r->y, r->m), r->mdays);
	}
	/* Every day of four centuries around the epoch comes back. */
	for (z = -80000; z <= 80000; z++) {
		tz_civil_from_days(z, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 &&
		    d <= tz_month_days(y, m));
		assert_int_equal(tz_days_from_civil(y, m, d), z);
	}
	assert_int_equal(tz_month_days(2100, 2), 28);
	assert_int_equal(tz_month_days(2400, 2), 29);
	assert_int_equal(tz_floor_div(7, 2), 3);
	assert_int_equal(tz_floor_div(-7, 2), -4);
	assert_int_equal(tz_floor_div(-8, 2), -4);
	assert_int_equal(tz_floor_div(7, -2), -4);
	assert_int_equal(tz_floor_div(-86401, 86400), -2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tz_load_rejects_unsafe_names),
		cmocka_unit_test(test_tz_load_missing_and_directories),
		cmocka_unit_test(test_tz_load_rejects_malformed_files),
		cmocka_unit_test(test_tz_reads_each_version),
		cmocka_unit_test(test_tz_footer_rules),
		cmocka_unit_test(test_tz_footer_rejects_bad_rules),
		cmocka_unit_test(test_tz_real_zones),
		cmocka_unit_test(test_tz_local_to_utc),
		cmocka_unit_test(test_tz_agrees_with_glibc),
		cmocka_unit_test(test_tz_civil_arithmetic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
