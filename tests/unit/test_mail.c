/*
 * The mail module: escaping, header injection, RFC 2047, link encoding,
 * subjects and lateness wording, and the MIME structure of what is sent.
 * Uses the England and Wales holiday file (tests run from the repository
 * root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/calendar.h"
#include "mashwatch/mail.h"

#include "testutil.h"

#define NO_TIME		INT64_MIN

static struct calendar *cal;

static int
setup(void **state)
{
	(void)state;
	cal = tu_calendar("Europe/London", CAL_MON_FRI, true);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	calendar_free(cal);
	return 0;
}

static void
test_header_clean(void **state)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "Front door", "Front door" },
		{ "Team\r\nBcc: evil@example.org", "Team Bcc: evil@example.org" },
		{ "Team\nX-Injected: 1", "Team X-Injected: 1" },
		{ "  a \t\t b\r", "a b" },
		{ "\r\n", "" },
		{ "bell\007end", "bell end" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *s = mail_header_clean(cases[i].in);

		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static void
test_link(void **state)
{
	static const struct {
		const char	*tmpl, *child, *instance, *out;
	} cases[] = {
		{ "https://cms.example.org/child/{child}", "P1", "C1",
		  "https://cms.example.org/child/P1" },
		{ "https://x/{child}/w/{instance}", "P 1/2", "C&1",
		  "https://x/P%201%2F2/w/C%261" },
		{ "https://x/?c={child}", "<script>\"", "",
		  "https://x/?c=%3Cscript%3E%22" },
		{ "https://x/{child}", "caf\xc3\xa9", "", "https://x/caf%C3%A9" },
		{ "https://x/{nothing}", "P1", "", "https://x/{nothing}" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *s = mail_link(cases[i].tmpl, cases[i].child,
		    cases[i].instance);

		assert_string_equal(s, cases[i].out);
		free(s);
	}
	assert_null(mail_link("", "P1", "C1"));
	assert_null(mail_link(NULL, "P1", "C1"));
}

static void
test_format_date(void **state)
{
	static const struct {
		const char	*at;
		int		 offset;
		const char	*out;
	} cases[] = {
		{ "2022-04-14T10:00:00+01:00", 3600,
		  "Thu, 14 Apr 2022 10:00:00 +0100" },
		{ "2022-01-03T09:05:07Z", 0, "Mon, 3 Jan 2022 09:05:07 +0000" },
		/* The offset moves the date, both ways. */
		{ "2024-02-29T23:30:00Z", 3600, "Fri, 1 Mar 2024 00:30:00 +0100" },
		{ "2027-01-01T00:15:00Z", -18000,
		  "Thu, 31 Dec 2026 19:15:00 -0500" },
		{ "1970-01-01T00:00:00Z", 0, "Thu, 1 Jan 1970 00:00:00 +0000" },
		{ "1969-12-31T23:59:59Z", 0, "Wed, 31 Dec 1969 23:59:59 +0000" },
		{ "2026-10-25T01:30:00Z", 5400, "Sun, 25 Oct 2026 03:00:00 +0130" },
	};
	char buf[40];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		mail_format_date(tu_iso(NULL, cases[i].at), cases[i].offset, buf,
		    sizeof(buf));
		assert_string_equal(buf, cases[i].out);
	}
}

static struct mail_item
item(const char *rule, const char *level, const char *child)
{
	struct mail_item it = {
		.alert_id = 7, .rule = rule, .level = level,
		.label = "Contacts awaiting a MASH decision",
		.instance_id = "C1", .child_id = child, .team_id = "MASH",
		.started_at = tu_iso(NULL, "2022-04-14T10:00:00+01:00"),
		.due_at = tu_iso(NULL, "2022-04-20T00:00:00+01:00"),
		.stopped_at = NO_TIME, .fired_at = NO_TIME,
		.first_sent_at = NO_TIME,
	};
	return it;
}

static void
test_lateness(void **state)
{
	struct mail_context ctx = { .cal = cal };
	struct mail_item it = item("contact_decision", "overdue", "P1");
	static const struct {
		const char	*now;
		const char	*stopped;	/* NULL: still open */
		const char	*resolution;
		bool		 hourly;	/* a limit in hours */
		const char	*out;
	} cases[] = {
		{ "2022-04-19T09:00:00+01:00", NULL, NULL, false, "due today" },
		{ "2022-04-14T12:00:00+01:00", NULL, NULL, false,
		  "due in 1 working day" },
		{ "2022-04-20T09:00:00+01:00", NULL, NULL, false,
		  "1 working day late" },
		{ "2022-04-22T09:00:00+01:00", NULL, NULL, false,
		  "3 working days late" },
		{ "2022-04-22T09:00:00+01:00", "2022-04-21T15:00:00+01:00",
		  "met_late", false, "decided 2 working days late" },
		{ "2022-04-22T09:00:00+01:00", "2022-04-19T15:00:00+01:00",
		  "met", false, "decided in time" },
		{ "2022-04-22T09:00:00+01:00", "2022-04-21T15:00:00+01:00",
		  "withdrawn", false, "withdrawn" },
		/* Due at 2022-04-20T00:00+01:00, in hours. */
		{ "2022-04-19T23:30:00+01:00", NULL, NULL, true,
		  "due within the hour" },
		{ "2022-04-19T20:00:00+01:00", NULL, NULL, true,
		  "due in 4 hours" },
		{ "2022-04-20T00:20:00+01:00", NULL, NULL, true,
		  "less than an hour late" },
		{ "2022-04-20T01:00:00+01:00", NULL, NULL, true,
		  "1 hour late" },
		{ "2022-04-20T05:00:00+01:00", NULL, NULL, true,
		  "5 hours late" },
		{ "2022-04-22T09:00:00+01:00", "2022-04-20T05:10:00+01:00",
		  "met_late", true, "decided 5 hours late" },
		{ "2022-04-22T09:00:00+01:00", "2022-04-20T00:10:00+01:00",
		  "met_late", true, "decided less than an hour late" },
		{ "2022-04-22T09:00:00+01:00", "2022-04-19T22:00:00+01:00",
		  "met", true, "decided in time" },
	};
	char buf[96];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		ctx.now = tu_iso(NULL, cases[i].now);
		it.resolved = cases[i].stopped != NULL;
		it.stopped_at = it.resolved ?
		    tu_iso(NULL, cases[i].stopped) : NO_TIME;
		it.resolution = cases[i].resolution;
		it.hourly = cases[i].hourly;
		mail_item_lateness(&ctx, &it, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
	}
	it.hourly = false;
	it.rule = "allocation";
	it.resolved = true;
	it.resolution = "met_late";
	it.stopped_at = tu_iso(NULL, "2022-04-20T15:00:00+01:00");
	mail_item_lateness(&ctx, &it, buf, sizeof(buf));
	assert_string_equal(buf, "allocated 1 working day late");
}

static void
test_subjects(void **state)
{
	struct mail_context ctx = { .cal = cal,
	    .now = tu_iso(NULL, "2022-04-21T09:00:00+01:00") };
	struct mail_item v[4];
	struct mail_content c;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		v[i] = item("contact_decision", "overdue", "P1");
	mail_compose(&ctx, MAIL_ALERTS, v, 3, &c);
	assert_string_equal(c.subject,
	    "MASH: 3 overdue: Contacts awaiting a MASH decision");
	mail_content_clear(&c);

	v[3] = item("allocation", "due_soon", "P2");
	v[3].label = "Referrals awaiting a social worker";
	v[2].resolved = true;
	v[2].resolution = "met_late";
	v[2].stopped_at = ctx.now;
	ctx.route_title = "team MASH";
	mail_compose(&ctx, MAIL_ALERTS, v, 4, &c);
	assert_string_equal(c.subject, "MASH: 2 overdue, 1 due soon, "
	    "1 resolved: Contacts awaiting a MASH decision and 1 more "
	    "(team MASH)");
	assert_non_null(strstr(c.text, "decided 2 working days late"));
	mail_content_clear(&c);

	mail_compose(&ctx, MAIL_DIGEST, v, 2, &c);
	assert_string_equal(c.subject, "MASH morning digest: 2 overdue "
	    "(team MASH)");
	mail_content_clear(&c);

	/* The subject names the most urgent work, whatever the order given. */
	v[0] = item("allocation", "due_soon", "P2");
	v[0].label = "Referrals awaiting a social worker";
	v[1] = item("strategy_discussion", "escalated", "P3");
	v[1].label = "Strategy discussions";
	mail_compose(&ctx, MAIL_ALERTS, v, 2, &c);
	assert_string_equal(c.subject, "MASH: 1 escalated, 1 due soon: "
	    "Strategy discussions and 1 more (team MASH)");
	mail_content_clear(&c);

	ctx.route_title = NULL;
	mail_compose(&ctx, MAIL_TEST, NULL, 0, &c);
	assert_string_equal(c.subject, "MASH: test email");
	mail_content_clear(&c);
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * No flood: an email lists at most max_items items and says how many more;
 * a data-quality email gives counts per view and reason over all of them
 * and at most MAIL_DQ_REFS references.
 */
static void
test_max_items(void **state)
{
	const struct {
		enum mail_kind	kind;
		size_t		n, max, listed;
		const char	*more;		/* NULL: no "more" line */
		const char	*heading;	/* NULL: not checked */
	} cases[] = {
		/* A heading counts all of its section, shown or not. */
		{ MAIL_ALERTS, 250, 200, 200, "... and 50 more\n",
		    "\nOverdue (250)\n" },
		{ MAIL_ALERTS, 200, 200, 200, NULL, "\nOverdue (200)\n" },
		{ MAIL_ALERTS, 3, 0, 3, NULL, "\nOverdue (3)\n" },
		{ MAIL_DIGEST, 10, 4, 4, "... and 6 more\n",
		    "\n== New since the last email (10)\n\nOverdue (10)\n" },
		{ MAIL_DATA_QUALITY, 1000, 200, 50, "... and 950 more \xe2\x80"
		    "\x94 `mashwatchd --once` lists them all", NULL },
		{ MAIL_DATA_QUALITY, 40, 10, 10, "... and 30 more", NULL },
		{ MAIL_DATA_QUALITY, 7, 200, 7, NULL, NULL },
	};
	struct mail_context ctx = { .cal = cal,
	    .now = tu_iso(NULL, "2022-04-21T09:00:00+01:00") };

	(void)state;
	for (size_t k = 0; k < NELEM(cases); k++) {
		struct mail_item *v = calloc(cases[k].n, sizeof(*v));
		struct mail_content c;

		for (size_t i = 0; i < cases[k].n; i++) {
			bool dq = cases[k].kind == MAIL_DATA_QUALITY;
			v[i] = item(dq ? "invalid" : "contact_decision",
			    dq ? "data_quality" : "overdue", NULL);
			if (dq) {
				v[i].instance_id = i % 3 ? "mash.clocks/c/C1" :
				    "mash.events/e/E1";
				v[i].detail = i % 3 ? "timestamp out of range" :
				    "kind is missing";
			}
		}
		ctx.max_items = cases[k].max;
		mail_compose(&ctx, cases[k].kind, v, cases[k].n, &c);
		assert_int_equal(count_of(c.text, "\n* #"), cases[k].listed);
		if (cases[k].more != NULL)
			assert_non_null(strstr(c.text, cases[k].more));
		else
			assert_null(strstr(c.text, " more"));
		if (cases[k].heading != NULL)
			assert_non_null(strstr(c.text, cases[k].heading));
		if (cases[k].kind == MAIL_DATA_QUALITY) {
			char want[64];
			size_t events = (cases[k].n + 2) / 3;
			snprintf(want, sizeof(want), "%7zu  mash.clocks: "
			    "timestamp out of range", cases[k].n - events);
			assert_non_null(strstr(c.text, want));
			snprintf(want, sizeof(want), "%7zu  mash.events: "
			    "kind is missing", events);
			assert_non_null(strstr(c.text, want));
		}
		mail_content_clear(&c);
		free(v);
	}
}

/*
 * The backlog at go-live: titled as such, and counts per clock (its
 * label) and level over every item, however few are listed.
 */
static void
test_backlog(void **state)
{
	const struct {
		const char	*levels;	/* one letter per item: e o s r */
		const char	*labels;	/* one letter per item: a b */
		size_t		 max;
		const char	*subject;
		const char	*counts[2];	/* NULL: no such line */
	} cases[] = {
		{ "ooos", "aaab", 0, "MASH backlog at go-live: 3 overdue, "
		  "1 due soon",
		  { "  Clock A: 3 (0 escalated, 3 overdue, 0 due soon, 0 other)\n",
		    "  Clock B: 1 (0 escalated, 0 overdue, 1 due soon, 0 other)\n" } },
		{ "eoosr", "ababa", 1, "MASH backlog at go-live: 1 escalated, "
		  "2 overdue, 1 due soon, 1 ",
		  { "  Clock A: 3 (1 escalated, 1 overdue, 0 due soon, 1 other)\n",
		    "  Clock B: 2 (0 escalated, 1 overdue, 1 due soon, 0 other)\n" } },
		{ "o", "b", 5, "MASH backlog at go-live: 1 overdue",
		  { "  Clock B: 1 (0 escalated, 1 overdue, 0 due soon, 0 other)\n",
		    NULL } },
	};
	struct mail_context ctx = { .cal = cal, .route_title = "team MASH",
	    .now = tu_iso(NULL, "2022-04-21T09:00:00+01:00") };

	(void)state;
	for (size_t k = 0; k < NELEM(cases); k++) {
		size_t n = strlen(cases[k].levels);
		struct mail_item *v = calloc(n, sizeof(*v));
		struct mail_content c;

		for (size_t i = 0; i < n; i++) {
			char l = cases[k].levels[i];

			v[i] = item("contact_decision", l == 'e' ? "escalated" :
			    l == 'o' ? "overdue" : l == 's' ? "due_soon" :
			    "repeat", "P1");
			v[i].label = cases[k].labels[i] == 'a' ? "Clock A" :
			    "Clock B";
		}
		ctx.max_items = cases[k].max;
		mail_compose(&ctx, MAIL_BACKLOG, v, n, &c);
		assert_true(strncmp(c.subject, cases[k].subject,
		    strlen(cases[k].subject)) == 0);
		assert_non_null(strstr(c.subject, "(team MASH)"));
		assert_non_null(strstr(c.text, "the backlog it found at go-live"));
		assert_non_null(strstr(c.html, "<th>Escalated</th>"));
		for (size_t j = 0; j < 2; j++)
			if (cases[k].counts[j] != NULL)
				assert_non_null(strstr(c.text,
				    cases[k].counts[j]));
		/* Labels are not repeated in the subject: counts say it all. */
		assert_null(strstr(c.subject, "Clock"));
		mail_content_clear(&c);
		free(v);
	}
}

/*
 * Urgency order in both parts whatever the input order; headings with
 * counts; the longest overdue first, the soonest due first; what each
 * line says: a local due time for an hour-based limit, a date for a
 * working-day one, the acknowledgement, a repeat's count and contacts.
 */
static void
test_compose_order(void **state)
{
	struct mail_context ctx = { .cal = cal,
	    .now = tu_iso(NULL, "2022-04-21T09:00:00+01:00") };
	static const struct {
		const char	*level;
		const char	*child;
		const char	*due;
	} in[] = {
		{ "data_quality", "D1", NULL },
		{ "due_soon", "S2", "2022-04-22T00:00:00+01:00" },
		{ "overdue", "O2", "2022-04-20T00:00:00+01:00" },
		{ "caseload", "W1", NULL },
		{ "repeat", "R1", NULL },
		{ "escalated", "E1", "2022-04-19T00:00:00+01:00" },
		{ "due_soon", "S1", "2022-04-21T12:00:00+01:00" },
		{ "overdue", "O1", "2022-04-19T00:00:00+01:00" },
		{ "check", "K1", NULL },
	};
	static const char *const want[] = { "Escalated (1)", "E1", "Overdue (2)",
	    "O1", "O2", "Due soon (2)", "S1", "S2",
	    "Repeat contacts and re-referrals (1)", "R1", "Failed checks (1)",
	    "K1", "Caseloads (1)", "W1", "Data quality (1)", "D1" };
	struct mail_item v[9];
	struct mail_content c;
	const char *p;

	(void)state;
	for (size_t i = 0; i < 9; i++) {
		v[i] = item("contact_decision", in[i].level, in[i].child);
		v[i].alert_id = (long long)i + 1;
		v[i].due_at = in[i].due ? tu_iso(NULL, in[i].due) : NO_TIME;
	}
	v[6].hourly = true;
	v[4].rule = "repeat_contacts";
	v[4].count = 4;
	v[4].window = "3 months";
	v[4].events = "C1, C2, C3, C4";
	v[4].sources = "police 2, school 1, not recorded 1";
	v[4].kind = "contact";
	v[7].acked_by = "Sam Lee";
	v[7].acked_at = tu_iso(NULL, "2022-04-20T10:15:00+01:00");
	v[7].ack_note = "chasing the police";
	v[7].ack_reason = "Police <not> available";
	v[3].worker_id = "W1";
	v[3].count = 23;
	mail_compose(&ctx, MAIL_ALERTS, v, 9, &c);
	assert_string_equal(c.subject, "MASH: 1 escalated, 2 overdue, 2 due "
	    "soon, 1 repeat, 1 failed check, 1 caseload, 1 data problem: "
	    "Contacts awaiting a MASH decision");
	p = c.text;
	for (size_t i = 0; i < NELEM(want); i++) {
		p = strstr(p, want[i]);
		if (p == NULL)
			fail_msg("\"%s\" missing or out of order", want[i]);
	}
	p = c.html;
	for (size_t i = 0; i < NELEM(want); i++)
		if ((p = strstr(p, want[i])) == NULL)
			fail_msg("HTML: \"%s\" missing or out of order", want[i]);
	/* Hour-based: the local due time, and hours to go (09:00 now). */
	assert_non_null(strstr(c.text, "due Thu 21 Apr 12:00, due in 3 hours"));
	assert_non_null(strstr(c.text, "due Tue 19 Apr 2022"));
	assert_non_null(strstr(c.text, "4 contacts in 3 months: C1, C2, C3, "
	    "C4; made by police 2, school 1, not recorded 1"));
	assert_non_null(strstr(c.text, "acknowledged by Sam Lee at "
	    "2022-04-20 10:15, reason: Police <not> available: \"chasing the "
	    "police\""));
	/* The label is the site's text: escaped in the HTML like the note. */
	assert_non_null(strstr(c.html, "reason: Police &lt;not&gt; available"));
	assert_non_null(strstr(c.text, "worker W1 holds 23 open cases"));
	mail_content_clear(&c);
	/* The events' kind comes with the alert, not from the rule's name. */
	v[4].rule = "again_within_a_year";
	v[4].kind = "referral";
	v[4].window = "12 months";
	mail_compose(&ctx, MAIL_ALERTS, v, 9, &c);
	assert_non_null(strstr(c.text, "4 referrals in 12 months: C1, C2, "));
	mail_content_clear(&c);

	/* A digest: new, then still open, then resolved, each in order. */
	v[0].part = MAIL_PART_RESOLVED;
	v[0].resolved = true;
	v[1].part = MAIL_PART_OPEN;
	v[5].part = MAIL_PART_OPEN;
	mail_compose(&ctx, MAIL_DIGEST, v, 9, &c);
	p = strstr(c.text, "New since the last email (6)");
	assert_non_null(p);
	assert_non_null(p = strstr(p, "Overdue (2)"));
	assert_non_null(p = strstr(p, "Still open and not acknowledged (2)"));
	assert_non_null(p = strstr(p, "Escalated (1)"));
	assert_non_null(p = strstr(p, "Due soon (1)"));
	assert_non_null(p = strstr(p, "Resolved since the last digest (1)"));
	mail_content_clear(&c);
}

/*
 * A digest opens with "Arrived out of hours", in full (max_items limits
 * the alerts only), with each clock's due and whether it stopped; the
 * section is a digest's alone and escaped like the rest.
 */
static void
test_compose_handover(void **state)
{
	struct mail_item v[1], h[3];
	struct mail_context ctx = { .cal = cal,
	    .now = tu_iso(NULL, "2022-04-19T08:30:00+01:00"),
	    .max_items = 1, .handover = h, .nhandover = 3 };
	struct mail_content c;
	const char *p;

	(void)state;
	v[0] = item("contact_decision", "overdue", "P1");
	h[0] = item("contact_decision", NULL, "P7");
	h[0].started_at = tu_iso(NULL, "2022-04-16T11:00:00+01:00");
	h[0].stopped_at = tu_iso(NULL, "2022-04-19T08:10:00+01:00");
	h[1] = item("contact_decision", NULL, "<b>P8</b>");
	h[1].started_at = tu_iso(NULL, "2022-04-18T22:00:00+01:00");
	h[2] = item("strategy_discussion", NULL, "P9");
	h[2].label = "Strategy discussions";
	h[2].hourly = true;
	h[2].started_at = tu_iso(NULL, "2022-04-19T03:00:00+01:00");
	h[2].due_at = tu_iso(NULL, "2022-04-20T03:00:00+01:00");
	mail_compose(&ctx, MAIL_DIGEST, v, 1, &c);
	/* First, before the alerts, all three. */
	p = strstr(c.text, "== Arrived out of hours (3)");
	assert_non_null(p);
	assert_true(p < strstr(c.text, "New since the last email"));
	assert_non_null(p = strstr(p, "* P7: Contacts awaiting a MASH decision"));
	assert_non_null(p = strstr(p, "arrived 2022-04-16 11:00, due Tue 19 Apr "
	    "2022, team MASH, stopped 2022-04-19 08:10"));
	assert_non_null(p = strstr(p, "* <b>P8</b>:"));
	assert_non_null(p = strstr(p, "still open"));
	assert_non_null(p = strstr(p, "* P9: Strategy discussions"));
	assert_non_null(strstr(p, "due Wed 20 Apr 03:00"));
	assert_non_null(strstr(c.html, "<h3>Arrived out of hours (3)</h3>"));
	assert_non_null(strstr(c.html, "&lt;b&gt;P8&lt;/b&gt;"));
	assert_null(strstr(c.html, "<b>P8</b>"));
	/* The subject is the alerts'. */
	assert_string_equal(c.subject, "MASH morning digest: 1 overdue");
	mail_content_clear(&c);
	/* Not in an alert email; not in a digest without any. */
	mail_compose(&ctx, MAIL_ALERTS, v, 1, &c);
	assert_null(strstr(c.text, "Arrived out of hours"));
	mail_content_clear(&c);
	ctx.nhandover = 0;
	mail_compose(&ctx, MAIL_DIGEST, v, 1, &c);
	assert_null(strstr(c.text, "Arrived out of hours"));
	mail_content_clear(&c);
}

/* A hostile case reference and team name stay data, in both bodies. */
static void
test_compose_escapes(void **state)
{
	struct mail_context ctx = { .cal = cal, .link =
	    "https://cms.example.org/child/{child}",
	    .now = tu_iso(NULL, "2022-04-21T09:00:00+01:00"),
	    .route_title = "team Evil\r\nBcc: x@example.org" };
	struct mail_item it = item("contact_decision", "escalated",
	    "<script>alert(1)</script>");
	struct mail_content c;
	struct mail *m;
	char *msg, *hdr_end;

	(void)state;
	it.team_name = "Evil\r\nBcc: x@example.org";
	it.first_sent_at = tu_iso(NULL, "2022-04-20T09:00:00+01:00");
	it.first_sent_to = "mgr@example.org";
	mail_compose(&ctx, MAIL_ESCALATION, &it, 1, &c);
	assert_null(strstr(c.html, "<script>"));
	assert_non_null(strstr(c.html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(c.html,
	    "href=\"https://cms.example.org/child/%3Cscript%3Ealert%281%29"));
	assert_non_null(strstr(c.text, "first sent 2022-04-20 09:00 to "
	    "mgr@example.org"));

	m = mail_new("mashwatch@example.org", "e1.x@example.org",
	    ctx.now, 3600);
	mail_add_to(m, "boss@example.org\r\nBcc: y@example.org");
	mail_set_subject(m, c.subject);
	mail_set_body(m, c.text, c.html);
	msg = mail_render(m);
	hdr_end = strstr(msg, "\r\n\r\n");
	assert_non_null(hdr_end);
	*hdr_end = '\0';
	/* Every header line starts a known header or is a continuation. */
	for (char *line = msg; line != NULL; ) {
		char *next = strstr(line, "\r\n");

		if (next != NULL)
			*next = '\0';
		assert_true(line[0] == ' ' ||
		    strncmp(line, "Date: ", 6) == 0 ||
		    strncmp(line, "From: ", 6) == 0 ||
		    strncmp(line, "To: ", 4) == 0 ||
		    strncmp(line, "Message-ID: ", 12) == 0 ||
		    strncmp(line, "Subject: ", 9) == 0 ||
		    strncmp(line, "MIME-Version: ", 14) == 0 ||
		    strncmp(line, "Auto-Submitted: ", 16) == 0 ||
		    strncmp(line, "Content-Type: ", 14) == 0);
		assert_null(strchr(line, '\n'));
		assert_null(strchr(line, '\r'));
		line = next ? next + 2 : NULL;
	}
	free(msg);
	mail_free(m);
	mail_content_clear(&c);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_mime_structure(void **state)
{
	struct mail *m;
	char *msg;
	const char csv[] = "child,days\nP1,3\n";

	(void)state;
	m = mail_new("mashwatch@example.org", "r1@example.org",
	    tu_iso(NULL, "2022-04-21T09:00:00+01:00"), 3600);
	mail_add_to(m, "a@example.org");
	mail_add_to(m, "b@example.org");
	mail_set_subject(m, "Report");
	mail_set_body(m, "Hello\nworld = 1\n", "<p>Hello</p>\n");
	msg = mail_render(m);
	assert_non_null(strstr(msg, "Date: Thu, 21 Apr 2022 09:00:00 +0100\r\n"));
	assert_non_null(strstr(msg, "To: a@example.org,\r\n b@example.org\r\n"));
	assert_non_null(strstr(msg, "Message-ID: <r1@example.org>\r\n"));
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative;\r\n "
	    "boundary=\""));
	assert_non_null(strstr(msg, "world =3D 1\r\n"));
	assert_int_equal(count(msg, "Content-Type: text/plain"), 1);
	assert_int_equal(count(msg, "Content-Type: text/html"), 1);
	assert_null(strstr(msg, "multipart/mixed"));
	/* No bare LF anywhere. */
	for (const char *p = msg; *p; p++)
		if (*p == '\n')
			assert_true(p > msg && p[-1] == '\r');
	free(msg);

	mail_attach(m, "text/csv", "report\"x.csv", csv, sizeof(csv) - 1);
	msg = mail_render(m);
	assert_non_null(strstr(msg, "Content-Type: multipart/mixed;\r\n boundary="));
	assert_non_null(strstr(msg, "Content-Disposition: attachment; "
	    "filename=\"report_x.csv\"\r\n"));
	assert_non_null(strstr(msg, "Y2hpbGQsZGF5cwpQMSwzCg==\r\n"));
	assert_int_equal(count(msg, "--=_mashwatch_mixed_"), 3);
	free(msg);

	/* Issue 18: an inline chart puts the HTML in multipart/related. */
	mail_inline(m, "image/png", "chart-0@mashwatch>x", "\x89PNG", 4);
	msg = mail_render(m);
	assert_non_null(strstr(msg, "Content-Type: multipart/related; "
	    "type=\"text/html\"; boundary=\"=_mashwatch_rel_"));
	assert_non_null(strstr(msg, "Content-ID: <chart-0@mashwatch_x>\r\n"
	    "Content-Disposition: inline\r\n"));
	assert_int_equal(count(msg, "Content-Type: text/html"), 1);
	assert_int_equal(count(msg, "Content-Type: image/png"), 1);
	assert_int_equal(count(msg, "--=_mashwatch_rel_"), 3);
	/* Still one attachment: the chart is not one. */
	assert_int_equal(count(msg, "Content-Disposition: attachment"), 1);
	assert_int_equal(count(msg, "--=_mashwatch_mixed_"), 3);
	free(msg);
	mail_free(m);
	mail_free(NULL);
}

/* Every line of a header within 78 (998 at worst), whatever its value. */
static void
assert_folded(const char *h, size_t max)
{
	const char *p = h, *e;

	for (;;) {
		e = strstr(p, "\r\n");
		if ((size_t)((e ? e : p + strlen(p)) - p) > max)
			fail_msg("line over %zu: %.40s...", max, p);
		if (e == NULL)
			break;
		if (e[2] != ' ')
			fail_msg("continuation without a blank: %.40s", e);
		p = e + 2;
	}
	assert_null(strchr(h, '\n') != NULL && strstr(h, "\r\n") == NULL ?
	    h : NULL);
}

static void
test_header_field(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;	/* NULL: only the line lengths */
	} cases[] = {
		{ "MASH: 2 escalated", "Subject: MASH: 2 escalated" },
		{ "", "Subject:" },
		{ "a\r\nBcc: evil@example.org", "Subject: a Bcc: evil@example.org" },
		{ "MASH: 2 escalated, 14 overdue, 3 due soon: Contacts awaiting a "
		  "MASH decision and 2 more (team T1, Front door)",
		  "Subject: MASH: 2 escalated, 14 overdue, 3 due soon: Contacts "
		  "awaiting a MASH\r\n decision and 2 more (team T1, Front door)" },
		{ "looks =?UTF-8?B?eA==?= encoded", NULL },
		{ "caf\xc3\xa9", "Subject: =?UTF-8?B?Y2Fmw6k=?=" },
		{ "a\r\n\xc3\xa9", "Subject: =?UTF-8?B?YSDDqQ==?=" },
		/* A word as long as "Subject" after a fold: the next still folds. */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		  "AAAAAAAA bbbbbbb CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
		  "CCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
		  "Subject: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		  "AAAAAAAAAAAAAAAAA\r\n bbbbbbb\r\n CCCCCCCCCCCCCCCCCCCCCCCCCC"
		  "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC" },
	};
	char big[2100];
	char *h;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		h = mail_header_field("Subject", cases[i].in);
		assert_folded(h, 78);
		if (cases[i].want != NULL)
			assert_string_equal(h, cases[i].want);
		else
			assert_non_null(strstr(h, "=?UTF-8?B?"));
		free(h);
	}
	/* A 2,000-character word (a team name) becomes encoded words. */
	memset(big, 'N', 2000);
	big[2000] = '\0';
	h = mail_header_field("Subject", big);
	assert_folded(h, 78);
	assert_true(strlen(h) > 2000);
	free(h);
	/* Many short words: folded at blanks. */
	for (size_t i = 0; i < 2000; i += 2) {
		big[i] = 'w';
		big[i + 1] = ' ';
	}
	h = mail_header_field("Subject", big);
	assert_folded(h, 78);
	assert_null(strstr(h, "=?"));
	free(h);
	/* Non-ASCII cut only between characters: 700 two-byte letters. */
	for (size_t i = 0; i < 1400; i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[1400] = '\0';
	h = mail_header_field("Subject", big);
	assert_folded(h, 78);
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_clean),
		cmocka_unit_test(test_header_field),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_format_date),
		cmocka_unit_test(test_lateness),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_max_items),
		cmocka_unit_test(test_backlog),
		cmocka_unit_test(test_compose_order),
		cmocka_unit_test(test_compose_handover),
		cmocka_unit_test(test_compose_escapes),
		cmocka_unit_test(test_mime_structure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
