/*
 * Unit tests of lib/config.c: the shipped example, defaults, paths, every
 * kind of mistake with its "FILE:LINE: message", secrets and reloads.
 * Run from the top of the tree (as `make unit` does) or set
 * MASHWATCH_SRCDIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

#include "testutil.h"

struct fixture {
	char	dir[64];
	char	path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_config.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/mashwatch.conf", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
write_conf(const struct fixture *f, const char *text, mode_t mode)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(f->path, mode), 0);
}

static char *
example_path(void)
{
	const char *src = getenv("MASHWATCH_SRCDIR");
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/etc/mashwatch.conf", src ? src : ".");
	return buf;
}

static const struct clock_conf *
must_clock(const struct config *cfg, const char *name)
{
	const struct clock_conf *c = config_clock(cfg, name);

	if (c == NULL)
		fail_msg("no clock %s", name);
	return c;
}

static void
assert_ts(const struct timescale *ts, enum ts_unit unit, int n)
{
	assert_non_null(ts);
	assert_int_equal(ts->unit, unit);
	assert_int_equal(ts->n, n);
}

static void
test_example_loads(void **state)
{
	struct config_errors errs = { NULL, 0 };
	const struct team_route *t;
	const struct repeat_conf *r;
	struct config *cfg;
	const char *suffix = "/etc/bank-holidays-england-and-wales.txt";
	static const char *const clocks[] = {
		"contact_decision", "da_screening", "police_notification_lag",
		"strategy_discussion", "strategy_record", "allocation",
		"child_seen", "icpc", "assessment",
	};
	size_t i;

	(void)state;
	cfg = config_load(example_path(), &errs);
	for (i = 0; i < errs.n; i++)
		print_message("%s\n", errs.v[i]);
	assert_non_null(cfg);
	assert_int_equal(errs.n, 0);

	assert_int_equal(cfg->nclocks, 9);
	for (i = 0; i < cfg->nclocks; i++)
		assert_string_equal(cfg->clocks[i].name, clocks[i]);
	assert_ts(&must_clock(cfg, "contact_decision")->limit,
	    TS_WORKING_DAYS, 1);
	assert_string_equal(must_clock(cfg, "contact_decision")->label,
	    "Contacts awaiting a MASH decision");
	assert_true(must_clock(cfg, "contact_decision")->has_warn);
	assert_int_equal(must_clock(cfg, "da_screening")->nlimits, 3);
	assert_int_equal(must_clock(cfg, "police_notification_lag")->alert_on,
	    ALERT_ON_LATE_STOP);
	assert_false(must_clock(cfg, "police_notification_lag")->has_warn);
	assert_ts(config_clock_limit(must_clock(cfg, "strategy_discussion"),
	    "urgent"), TS_HOURS, 24);
	assert_ts(config_clock_limit(must_clock(cfg, "child_seen"), NULL),
	    TS_WORKING_DAYS, 5);
	assert_ts(&must_clock(cfg, "icpc")->limit, TS_WORKING_DAYS, 15);
	assert_ts(&must_clock(cfg, "assessment")->limit, TS_WORKING_DAYS, 45);

	assert_int_equal(cfg->nrepeats, 2);
	r = config_repeat(cfg, "repeat_contacts");
	assert_non_null(r);
	assert_string_equal(r->kind, "contact");
	assert_int_equal(r->min, 3);
	assert_ts(&r->window, TS_MONTHS, 3);
	r = config_repeat(cfg, "re_referral");
	assert_non_null(r);
	assert_int_equal(r->min, 2);
	assert_ts(&r->window, TS_MONTHS, 12);
	assert_int_equal(cfg->nchecks, 2);
	assert_non_null(config_check(cfg, "strategy_attendance"));
	assert_non_null(config_check(cfg, "s47_without_strategy"));
	assert_null(config_check(cfg, "nope"));

	assert_int_equal(cfg->caseloads.amber, 18);
	assert_int_equal(cfg->caseloads.red, 20);
	assert_int_equal(cfg->routes.report.n, 2);
	t = config_team_route(cfg, "MASH");
	assert_non_null(t);
	assert_int_equal(t->manager.n, 1);
	assert_string_equal(t->escalation.v[0],
	    "head-of-front-door@example.org");
	assert_null(config_team_route(cfg, "NOBODY"));

	assert_int_equal(cfg->notify.transport, TRANSPORT_SMTP);
	assert_int_equal(cfg->notify.reminder_at, 8 * 60 + 30);
	assert_int_equal(cfg->report.at, 7 * 60);
	assert_int_equal(cfg->report.ncomparators, 2);
	assert_string_equal(cfg->report.comparators[0].name,
	    "statistical_neighbours");
	assert_true(cfg->report.comparators[1].value == 0.24);
	assert_string_equal(cfg->http.listen, "127.0.0.1:9187");
	assert_string_equal(cfg->state.conninfo, "service=mashwatch");
	assert_int_equal(cfg->calendar.working_days, CAL_MON_FRI);

	/* The holidays sit beside the example, read from its folder. */
	assert_true(cfg->calendar.holidays[0] == '/');
	assert_true(strlen(cfg->calendar.holidays) > strlen(suffix));
	assert_string_equal(cfg->calendar.holidays +
	    strlen(cfg->calendar.holidays) - strlen(suffix), suffix);
	assert_int_equal(access(cfg->calendar.holidays, R_OK), 0);
	config_free(cfg);
}

static void
test_defaults(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;

	write_conf(f, "# nothing but comments\n"
	    "clocks = ( { name = \"c\"; limit = \"2 days\"; } );\n"
	    "repeats = ( { name = \"r\"; kind = \"contact\";"
	    " window = \"3 months\"; } );\n", 0600);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, f->path);
	assert_string_equal(cfg->source.conninfo, "service=mash");
	assert_string_equal(cfg->state.conninfo, "service=mash");
	assert_string_equal(cfg->source.schema, "mash");
	assert_int_equal(cfg->source.poll_interval, 30);
	assert_int_equal(cfg->source.resync_interval, 900);
	assert_string_equal(cfg->source.listen, "mash_changed");
	assert_int_equal(cfg->state.lease_ttl, 6);
	assert_string_equal(cfg->calendar.timezone, "Europe/London");
	assert_int_equal(cfg->calendar.working_days, CAL_MON_FRI);
	assert_string_equal(cfg->calendar.holidays,
	    "/etc/mashwatch/bank-holidays-england-and-wales.txt");
	assert_int_equal(cfg->caseloads.amber, 18);
	assert_int_equal(cfg->caseloads.red, 20);
	assert_int_equal(cfg->routes.def.n, 0);
	assert_int_equal(cfg->routes.nteams, 0);
	assert_int_equal(cfg->notify.transport, TRANSPORT_SMTP);
	assert_string_equal(cfg->notify.smtp_url, "smtp://localhost:25");
	assert_string_equal(cfg->notify.smtp_user, "");
	assert_true(cfg->notify.require_starttls);
	assert_string_equal(cfg->notify.sendmail, "/usr/sbin/sendmail");
	assert_string_equal(cfg->notify.directory, "/var/lib/mashwatch/outbox");
	assert_string_equal(cfg->notify.from, "mashwatch@localhost");
	assert_int_equal(cfg->notify.group_wait, 0);
	assert_int_equal(cfg->notify.group_interval, 300);
	assert_int_equal(cfg->notify.reminder_at, 8 * 60 + 30);
	assert_int_equal(cfg->notify.reminder_backoff, 5);
	assert_string_equal(cfg->notify.link, "");
	assert_false(cfg->notify.ack_stops_escalation);
	assert_int_equal(cfg->notify.retry_max, 3600);
	assert_int_equal(cfg->notify.work_from, 8 * 60);
	assert_int_equal(cfg->notify.work_to, 18 * 60);
	assert_int_equal(cfg->notify.domains.n, 0);
	assert_int_equal(cfg->routes.nnamed, 0);
	assert_null(cfg->clocks[0].route);
	assert_int_equal(cfg->notify.send_timeout, 30);
	assert_int_equal(cfg->report.at, 7 * 60);
	assert_int_equal(cfg->forecast.at, 15 * 60);
	assert_int_equal(cfg->forecast.alert_at, 1);
	assert_int_equal(cfg->routes.forecast.n, 0);
	assert_false(cfg->clocks[0].forecast);
	assert_string_equal(cfg->report.archive, "/var/lib/mashwatch/reports");
	assert_int_equal(cfg->report.ncomparators, 2);
	assert_true(cfg->report.comparators[0].value == 0.21);
	assert_string_equal(cfg->http.listen, "127.0.0.1:9187");

	/* Entries: label is the name, alert_on open, min 2, no warning. */
	assert_string_equal(cfg->clocks[0].label, "c");
	assert_int_equal(cfg->clocks[0].alert_on, ALERT_ON_OPEN);
	assert_false(cfg->clocks[0].has_warn);
	assert_false(cfg->clocks[0].has_escalate);
	assert_int_equal(cfg->clocks[0].line, 2);
	assert_string_equal(cfg->repeats[0].label, "r");
	assert_int_equal(cfg->repeats[0].min, 2);
	config_free(cfg);
	config_errors_clear(&errs);
}

/* Every table default must read back without error. */
static void
test_table_defaults_are_valid(void **state)
{
	const struct conf_setting *tab;
	size_t n, i;

	(void)state;
	tab = config_settings(&n);
	assert_true(n > 30);
	for (i = 0; i < n; i++) {
		assert_non_null(strchr(tab[i].name, '.'));
		assert_non_null(tab[i].help);
		assert_false(tab[i].required && tab[i].def != NULL);
		if (tab[i].type == CONF_ENUM)
			assert_non_null(tab[i].choices);
	}
	tab = config_clock_settings(&n);
	assert_int_equal(n, 9);
	tab = config_repeat_settings(&n);
	assert_int_equal(n, 5);
	tab = config_check_settings(&n);
	assert_int_equal(n, 2);
	tab = config_reason_settings(&n);
	assert_int_equal(n, 3);
	(void)tab;
}

/*
 * An acknowledgement's reason: known codes pass, unknown ones never do,
 * and none is refused only for an overdue or escalated alert when
 * ack.reason_required.
 */
static void
test_reason_check(void **state)
{
	static const struct {
		bool		 required;
		const char	*code, *level;
		enum reason_verdict want;
	} cases[] = {
		{ false, NULL, "overdue", REASON_OK },
		{ false, "", "escalated", REASON_OK },
		{ false, "police_unavailable", "overdue", REASON_OK },
		{ false, "nope", "due_soon", REASON_UNKNOWN },
		{ false, "Police_unavailable", NULL, REASON_UNKNOWN },
		{ true, NULL, "overdue", REASON_MISSING },
		{ true, "", "escalated", REASON_MISSING },
		{ true, NULL, "due_soon", REASON_OK },
		{ true, NULL, "repeat", REASON_OK },
		{ true, NULL, "data_quality", REASON_OK },
		{ true, NULL, NULL, REASON_OK },
		{ true, "awaiting_health", "overdue", REASON_OK },
		{ true, "awaiting_healt", "overdue", REASON_UNKNOWN },
	};
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	char buf[64];

	write_conf(f, "reasons = (\n"
	    " { code = \"police_unavailable\"; label = \"Police not available\";"
	    " agency = \"police\"; },\n"
	    " { code = \"awaiting_health\"; agency = \"health\"; },\n"
	    " { code = \"capacity\"; label = \"Team capacity\"; agency = \"\"; }"
	    "\n);\n", 0600);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->nreasons, 3);
	assert_string_equal(cfg->reasons[1].label, "awaiting_health");
	assert_null(cfg->reasons[2].agency);
	assert_string_equal(config_reason(cfg, "capacity")->label,
	    "Team capacity");
	assert_null(config_reason(cfg, "capacit"));
	assert_string_equal(config_reason_codes(cfg, buf, sizeof(buf)),
	    "police_unavailable, awaiting_health, capacity");
	/* Cut short, it says so rather than listing half a code. */
	assert_string_equal(config_reason_codes(cfg, buf, 30),
	    "police_unavailable, ...");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg->ack.reason_required = cases[i].required;
		if (config_reason_check(cfg, cases[i].code, cases[i].level) !=
		    cases[i].want)
			fail_msg("case %zu: %s for %s", i, cases[i].code ?
			    cases[i].code : "(none)", cases[i].level ?
			    cases[i].level : "(unknown level)");
	}
	config_free(cfg);
	write_conf(f, "ack: { reason_required = true; };\n", 0600);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	assert_true(cfg->ack.reason_required);
	assert_string_equal(config_reason_codes(cfg, buf, sizeof(buf)),
	    "none configured");
	assert_int_equal(config_reason_check(cfg, "x", "due_soon"),
	    REASON_UNKNOWN);
	config_free(cfg);
	config_errors_clear(&errs);
}

static void
test_relative_paths(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	char *dir, *want;

	write_conf(f, "calendar: { holidays = \"hol/bank.txt\"; };\n"
	    "notify: { directory = \"outbox\";"
	    " sendmail = \"/usr/lib/sendmail\"; };\n", 0600);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	dir = realpath(f->dir, NULL);
	assert_non_null(dir);
	assert_true(asprintf(&want, "%s/hol/bank.txt", dir) > 0);
	assert_string_equal(cfg->calendar.holidays, want);
	free(want);
	assert_true(asprintf(&want, "%s/outbox", dir) > 0);
	assert_string_equal(cfg->notify.directory, want);
	free(want);
	assert_string_equal(cfg->notify.sendmail, "/usr/lib/sendmail");
	free(dir);
	config_free(cfg);
}

/* One mistake per file: the exact "LINE: message" it must produce. */
static const struct mistake {
	const char	*what;
	const char	*text;
	const char	*want;		/* after "FILE:" */
} mistakes[] = {
	{ "typo", "source: {\n\tpol_interval = 30;\n};\n",
	  "2: unknown setting 'source.pol_interval'; did you mean "
	  "'source.poll_interval'?" },
	{ "wrong group", "poll_interval = 30;\n",
	  "1: unknown setting 'poll_interval'; did you mean "
	  "'source.poll_interval'?" },
	{ "unknown", "\nfrobnicate = 1;\n",
	  "2: unknown setting 'frobnicate'" },
	{ "unknown in entry",
	  "clocks = (\n { name = \"a\"; limit = \"1 day\";\n lmit = 3; }\n);\n",
	  "3: unknown setting 'clocks[a].lmit'; did you mean 'limit'?" },
	{ "group expected", "source = 5;\n",
	  "1: 'source' must be a group: source = { ... };" },
	{ "string for int", "source: { poll_interval = \"30\"; };\n",
	  "1: 'source.poll_interval' must be a whole number" },
	{ "float for int", "notify: { group_wait = 1.5; };\n",
	  "1: 'notify.group_wait' must be a whole number" },
	{ "out of range", "source: { poll_interval = 0; };\n",
	  "1: 'source.poll_interval' must be between 1 and 3600, not 0" },
	{ "bool", "notify: { require_starttls = \"yes\"; };\n",
	  "1: 'notify.require_starttls' must be true or false, without "
	  "quotes" },
	{ "ident", "source: { schema = \"Mash-1\"; };\n",
	  "1: 'source.schema': \"Mash-1\" is not a name; use a-z, 0-9 and _, "
	  "not starting with a digit, at most 63 bytes" },
	{ "empty", "state: { conninfo = \"\"; };\n",
	  "1: 'state.conninfo' must not be empty" },
	{ "bad timescale",
	  "clocks = ( { name = \"a\";\nlimit = \"2 weeks\"; } );\n",
	  "2: 'clocks[a].limit': \"2 weeks\" is not a timescale; write "
	  "\"N hours\", \"N days\" or \"N working days\"" },
	{ "months in a limit",
	  "clocks = ( { name = \"a\"; limit = \"3 months\"; } );\n",
	  "1: 'clocks[a].limit': \"3 months\": months are not allowed here; "
	  "write \"N hours\", \"N days\" or \"N working days\"" },
	{ "working days in a retention",
	  "retention: { alerts = \"30 working days\"; };\n",
	  "1: 'retention.alerts': \"30 working days\": working days are not "
	  "allowed here; write \"N hours\", \"N days\" or \"N months\"" },
	{ "limit required", "clocks = ( { name = \"a\"; } );\n",
	  "1: 'clocks[a].limit' is required" },
	{ "entry without a name is named by its index",
	  "clocks = ( { limit = \"1 day\"; } );\n",
	  "1: 'clocks[0].name' is required" },
	{ "duplicate clock",
	  "clocks = (\n { name = \"a\"; limit = \"1 day\"; },\n"
	  " { name = \"a\"; limit = \"2 days\"; }\n);\n",
	  "3: duplicate name 'a' in 'clocks' (first at line 2)" },
	{ "malformed priority limit",
	  "clocks = ( { name = \"a\"; limit = \"1 day\";\n"
	  " limits = {\n  urgent = \"24 hrs\"; }; } );\n",
	  "3: 'clocks[a].limits.urgent': \"24 hrs\" is not a timescale; write "
	  "\"N hours\", \"N days\" or \"N working days\"" },
	{ "priority limit not a string",
	  "clocks = ( { name = \"a\"; limit = \"1 day\";\n"
	  " limits = { urgent = 24; }; } );\n",
	  "2: 'clocks[a].limits.urgent' must be a timescale in double quotes, "
	  "e.g. \"24 hours\"" },
	{ "alert_on",
	  "clocks = ( { name = \"a\"; limit = \"1 day\";\n"
	  " alert_on = \"never\"; } );\n",
	  "2: 'clocks[a].alert_on': \"never\" is not allowed; write \"open\" "
	  "or \"late_stop\"" },
	{ "late_stop with warning",
	  "clocks = ( { name = \"a\"; limit = \"1 day\"; alert_on = "
	  "\"late_stop\";\n warn_before = \"1 day\"; } );\n",
	  "1: 'clocks[a]': warn_before and escalate_after do nothing with "
	  "alert_on = \"late_stop\"; remove them" },
	{ "clocks not a list", "clocks = { name = \"a\"; };\n",
	  "1: 'clocks' must be a list of groups: clocks = ( { name = ...; }, "
	  "{ ... } );" },
	{ "repeat min", "repeats = ( { name = \"r\"; kind = \"contact\";\n"
	  " min = 1; window = \"3 months\"; } );\n",
	  "2: 'repeats[r].min' must be between 2 and 1000, not 1" },
	{ "repeat kind", "repeats = ( { name = \"r\"; window = \"3 months\"; "
	  "} );\n",
	  "1: 'repeats[r].kind' is required" },
	{ "duplicate check",
	  "checks = ( { name = \"c\"; },\n { name = \"c\"; } );\n",
	  "2: duplicate name 'c' in 'checks' (first at line 1)" },
	{ "duplicate reason",
	  "reasons = ( { code = \"police\"; },\n { code = \"police\"; } );\n",
	  "2: duplicate code 'police' in 'reasons' (first at line 1)" },
	{ "reason without code",
	  "reasons = ( { label = \"Police\"; } );\n",
	  "1: 'reasons[0].code' is required" },
	{ "reason agency not a name",
	  "reasons = ( { code = \"gp\"; agency = \"GP surgery\"; } );\n",
	  "1: 'reasons[gp].agency': \"GP surgery\" is not a name; use a-z, "
	  "0-9 and _, not starting with a digit, at most 63 bytes" },
	{ "reason unknown setting",
	  "reasons = ( { code = \"gp\"; agncy = \"health\"; } );\n",
	  "1: unknown setting 'reasons[gp].agncy'; did you mean 'agency'?" },
	{ "reasons not a list", "reasons = 3;\n",
	  "1: 'reasons' must be a list of groups: reasons = ( { code = ...; }, "
	  "{ ... } );" },
	{ "reason_required", "ack: { reason_required = 1; };\n",
	  "1: 'ack.reason_required' must be true or false, without quotes" },
	{ "time of day", "notify: {\n reminder_at = \"8.30\";\n};\n",
	  "2: 'notify.reminder_at': \"8.30\" is not a time of day; write "
	  "\"HH:MM\" from \"00:00\" to \"23:59\"" },
	{ "time of day range", "report: { at = \"24:00\"; };\n",
	  "1: 'report.at': \"24:00\" is not a time of day; write \"HH:MM\" "
	  "from \"00:00\" to \"23:59\"" },
	{ "amber not below red", "caseloads: { amber = 20;\n red = 20; };\n",
	  "1: 'caseloads.amber' (20) must be less than 'caseloads.red' (20)" },
	{ "address", "routes: { default = [ \"a@b.org\",\n"
	  " \"Bob <bob@x.org>\" ]; };\n",
	  "2: 'routes.default': \"Bob <bob@x.org>\" is not an email address; "
	  "write local@domain, one per string" },
	{ "address list of one", "routes: { report = \"nobody\"; };\n",
	  "1: 'routes.report': \"nobody\" is not an email address; write "
	  "local@domain, one per string" },
	{ "team typo",
	  "routes: { teams = { MASH = {\n manger = \"a@b.org\"; }; }; };\n",
	  "2: unknown setting 'routes.teams.MASH.manger'; did you mean "
	  "'manager'?" },
	{ "team list without id",
	  "routes: { teams = ( { manager = \"a@b.org\"; } ); };\n",
	  "1: each entry of 'routes.teams' needs team = \"TEAM ID\";" },
	{ "duplicate team",
	  "routes: { teams = ( { team = \"T 1\"; },\n { team = \"T 1\"; } ); };\n",
	  "2: duplicate team 'T 1' in 'routes.teams'" },
	{ "transport", "notify: { transport = \"pigeon\"; };\n",
	  "1: 'notify.transport': \"pigeon\" is not allowed; write \"smtp\", "
	  "\"sendmail\" or \"directory\"" },
	{ "from", "notify: { from = \"mashwatch\"; };\n",
	  "1: 'notify.from': \"mashwatch\" is not an email address; write "
	  "local@domain" },
	{ "smtp scheme", "notify: { smtp_url = \"http://relay\"; };\n",
	  "1: 'notify.smtp_url' must start with smtp:// or smtps://" },
	{ "link placeholder",
	  "notify: { link = \"https://cms/{name}\"; };\n",
	  "1: 'notify.link' may use {child} and {instance} only" },
	{ "header injection", "notify: { from = \"a@b.org\\nBcc: x@y\"; };\n",
	  "1: 'notify.from' must not contain control characters" },
	{ "comparator range",
	  "report: { comparators = { england = 24; }; };\n",
	  "1: 'report.comparators.england' must be between 0 and 1" },
	{ "http listen", "http: { listen = \"localhost\"; };\n",
	  "1: 'http.listen': \"localhost\" is not HOST:PORT or "
	  "unix:/PATH (e.g. \"127.0.0.1:9187\"; \"\" disables)" },
	{ "http unix", "http: { listen = \"unix:board.sock\"; };\n",
	  "1: 'http.listen': \"unix:board.sock\" is not HOST:PORT or "
	  "unix:/PATH (e.g. \"127.0.0.1:9187\"; \"\" disables)" },
	{ "board no public_url", "http: { board = true; "
	  "trusted_proxies = [ \"10.0.0.5\" ]; };\n",
	  "1: 'http.public_url' is required when http.board is on: the "
	  "address users open the board at, e.g. "
	  "\"https://mash-board.example.org\" (POST /ack is taken only from "
	  "that Origin)" },
	{ "http port", "http: { listen = \"127.0.0.1:70000\"; };\n",
	  "1: 'http.listen': \"127.0.0.1:70000\" is not HOST:PORT or "
	  "unix:/PATH (e.g. \"127.0.0.1:9187\"; \"\" disables)" },
	{ "weekday", "calendar: { working_days = [ \"Mon\", \"Funday\" ]; };\n",
	  "1: 'calendar.working_days': \"Funday\" is not a weekday; write "
	  "\"Mon\" to \"Sun\"" },
	{ "no weekdays", "calendar: { working_days = [ ]; };\n",
	  "1: 'calendar.working_days' must name at least one day" },
	{ "syntax", "source: {\n poll_interval = ;\n};\n",
	  "2: syntax error" },
	{ "working hours", "notify: { working_hours = \"18:00-08:00\"; };\n",
	  "1: 'notify.working_hours': \"18:00-08:00\" is not \"HH:MM-HH:MM\" "
	  "with the start before the end (e.g. \"08:00-18:00\")" },
	{ "allowed domains", "notify: { allowed_domains = \"example.org, "
	  "not a domain!\"; };\n",
	  "1: 'notify.allowed_domains': \"example.org, not a domain!\" is "
	  "not a list of domain names" },
	{ "allowed domains list", "notify: { allowed_domains = [ "
	  "\"example.org\", \"not a domain!\" ]; };\n",
	  "1: 'notify.allowed_domains': \"not a domain!\" is not one name; "
	  "write one per string" },
	{ "allowed domains two in one", "notify: { allowed_domains = [ "
	  "\"a.example, b.example\" ]; };\n",
	  "1: 'notify.allowed_domains': \"a.example, b.example\" is not one "
	  "name; write one per string" },
	{ "allowed domains number", "notify: { allowed_domains = [ 3 ]; };\n",
	  "1: 'notify.allowed_domains' must list names in double quotes" },
	{ "allowed domains group", "notify: { allowed_domains = { a = 1; }; "
	  "};\n", "1: 'notify.allowed_domains' must be a list such as "
	  "[ \"example.org\" ]" },
	{ "foreign address in a list", "notify: { allowed_domains = [ "
	  "\"example.org\", \"example.gov.uk\" ]; };\n"
	  "routes: { default = [ \"a@example.gov.uk\", \"b@evil.example\" ]; "
	  "};\n",
	  "2: 'routes.default': \"b@evil.example\" is not in "
	  "notify.allowed_domains" },
	{ "foreign address", "notify: { allowed_domains = \"example.org\"; };\n"
	  "routes: { default = [ \"a@example.org\", \"b@evil.example\" ]; };\n",
	  "2: 'routes.default': \"b@evil.example\" is not in "
	  "notify.allowed_domains" },
	{ "display name", "routes: { default = [ \"Boss <boss@example.org>\" ]; "
	  "};\n", "1: 'routes.default': \"Boss <boss@example.org>\" is not an "
	  "email address; write local@domain, one per string" },
	{ "unknown route", "clocks = ( { name = \"c\"; limit = \"1 hours\"; "
	  "route = \"police\"; } );\n",
	  "1: 'clocks[0]': route \"police\" is not a list in routes (write "
	  "routes: { police = [ \"...\" ]; };)" },
	{ "named route without to", "routes: { police = { escalation = "
	  "[ \"p@example.org\" ]; }; };\n",
	  "1: 'routes.police.to' is required" },
};

/* routes.NAME in both forms, and a clock that names one. */
static void
test_named_routes(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	const struct named_route *r;

	write_conf(f, "routes: { default = [ \"d@example.org\" ];\n"
	    " police = [ \"p@example.org\" ];\n"
	    " health = { to = \"h@example.org\"; escalation = [ "
	    "\"he@example.org\" ]; }; };\n"
	    "clocks = ( { name = \"c\"; limit = \"1 hours\"; route = "
	    "\"police\"; } );\n"
	    "notify: { working_hours = \"07:30-24:00\"; allowed_domains = "
	    "\"Example.ORG\"; };\n", 0600);
	cfg = config_load(f->path, &errs);
	if (cfg == NULL)
		fail_msg("%s", errs.n ? errs.v[0] : "?");
	assert_int_equal(cfg->routes.nnamed, 2);
	r = config_named_route(cfg, "police");
	assert_non_null(r);
	assert_int_equal(r->to.n, 1);
	assert_int_equal(r->escalation.n, 0);
	r = config_named_route(cfg, "health");
	assert_string_equal(r->escalation.v[0], "he@example.org");
	assert_null(config_named_route(cfg, "default"));
	assert_string_equal(cfg->clocks[0].route, "police");
	assert_int_equal(cfg->notify.work_from, 7 * 60 + 30);
	assert_int_equal(cfg->notify.work_to, 24 * 60);
	assert_int_equal(cfg->notify.domains.n, 1);
	config_free(cfg);
	/* allowed_domains as a list, like every other list; [] allows any. */
	static const struct {
		const char	*value;
		size_t		 n;
	} lists[] = {
		{ "[ \"example.org\", \"Example.GOV.uk\" ]", 2 },
		{ "( \"example.org\" )", 1 },
		{ "\"example.org example.gov.uk; x.example\"", 3 },
		{ "[]", 0 },
		{ "\"\"", 0 },
	};
	for (size_t i = 0; i < NELEM(lists); i++) {
		char *text = NULL;

		if (asprintf(&text, "notify: { allowed_domains = %s; };\n",
		    lists[i].value) < 0)
			fail();
		write_conf(f, text, 0600);
		free(text);
		cfg = config_load(f->path, &errs);
		if (cfg == NULL)
			fail_msg("%s: %s", lists[i].value, errs.n ? errs.v[0] :
			    "?");
		assert_int_equal(cfg->notify.domains.n, lists[i].n);
		config_free(cfg);
	}
}

static void
test_mistakes(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	char want[1024];
	size_t i, k;

	for (i = 0; i < NELEM(mistakes); i++) {
		write_conf(f, mistakes[i].text, 0600);
		cfg = config_load(f->path, &errs);
		snprintf(want, sizeof(want), "%s:%s", f->path, mistakes[i].want);
		if (cfg != NULL || errs.n != 1 || strcmp(errs.v[0], want) != 0) {
			print_error("case \"%s\": want\n  %s\ngot %zu:\n",
			    mistakes[i].what, want, errs.n);
			for (k = 0; k < errs.n; k++)
				print_error("  %s\n", errs.v[k]);
			fail();
		}
		config_errors_clear(&errs);
	}
}

static void
test_three_mistakes(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	char want[512];

	write_conf(f,
	    "source: {\n"
	    "\tpoll_interval = 5000;\n"			/* 2 */
	    "};\n"
	    "clocks = (\n"
	    "\t{ name = \"a\"; limit = \"1 fortnight\"; }\n"	/* 5 */
	    ");\n"
	    "notify: { reminder_at = \"8:3\"; };\n",	/* 7 */
	    0600);
	assert_null(config_load(f->path, &errs));
	assert_int_equal(errs.n, 3);
	snprintf(want, sizeof(want), "%s:2: ", f->path);
	assert_memory_equal(errs.v[0], want, strlen(want));
	snprintf(want, sizeof(want), "%s:5: ", f->path);
	assert_memory_equal(errs.v[1], want, strlen(want));
	snprintf(want, sizeof(want), "%s:7: ", f->path);
	assert_memory_equal(errs.v[2], want, strlen(want));
	config_errors_clear(&errs);
}

static void
test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	char want[512];

	assert_null(config_load(f->path, &errs));
	assert_int_equal(errs.n, 1);
	snprintf(want, sizeof(want), "%s: No such file or directory", f->path);
	assert_string_equal(errs.v[0], want);
	config_errors_clear(&errs);
}

static const char *const secrets[] = {
	"source: { conninfo = \"host=db user=mw password=s3cret\"; };\n",
	"state: { conninfo = \"host=db password = 's3 cret'\"; };\n",
	"source: { conninfo = \"postgresql://mw:s3cret@db/mash\"; };\n",
	"notify: { smtp_url = \"smtp://mw:s3cret@relay:587\"; };\n",
};

static void
test_secret_refused_if_readable(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	char *out = NULL;
	size_t i, len = 0;
	FILE *fp;

	for (i = 0; i < NELEM(secrets); i++) {
		write_conf(f, secrets[i], 0644);
		assert_null(config_load(f->path, &errs));
		assert_int_equal(errs.n, 1);
		assert_non_null(strstr(errs.v[0], "holds a password but"));
		assert_non_null(strstr(errs.v[0], "is readable by others"));
		config_errors_clear(&errs);

		/* Private to its owner: accepted, and never printed. */
		write_conf(f, secrets[i], 0600);
		cfg = config_load(f->path, &errs);
		assert_non_null(cfg);
		fp = open_memstream(&out, &len);
		assert_non_null(fp);
		config_print(cfg, fp);
		fclose(fp);
		assert_null(strstr(out, "s3"));
		assert_non_null(strstr(out, "********"));
		free(out);
		out = NULL;
		config_free(cfg);
	}

	/* Readable by others but no secret: fine. */
	write_conf(f, "source: { conninfo = \"host=db passfile=/x\"; };\n",
	    0644);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	config_free(cfg);
}

static void
test_clock_limit(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	const struct clock_conf *c;
	struct config *cfg;

	write_conf(f, "clocks = (\n"
	    " { name = \"da_screening\"; limit = \"3 working days\";\n"
	    "   limits = { high = \"1 working day\"; standard = \"3 days\"; }; },\n"
	    " { name = \"plain\"; limit = \"24 hours\"; }\n"
	    ");\n", 0600);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	c = must_clock(cfg, "da_screening");
	assert_ts(config_clock_limit(c, NULL), TS_WORKING_DAYS, 3);
	assert_ts(config_clock_limit(c, ""), TS_WORKING_DAYS, 3);
	assert_ts(config_clock_limit(c, "high"), TS_WORKING_DAYS, 1);
	assert_ts(config_clock_limit(c, "standard"), TS_DAYS, 3);
	assert_null(config_clock_limit(c, "urgent"));
	assert_null(config_clock_limit(c, "HIGH"));
	c = must_clock(cfg, "plain");
	assert_ts(config_clock_limit(c, NULL), TS_HOURS, 24);
	assert_null(config_clock_limit(c, "high"));
	assert_null(config_clock(cfg, "nope"));
	config_free(cfg);
}

/* The forecast's settings: a clock's forecast, forecast.*, routes.forecast. */
static void
test_forecast_settings(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;

	write_conf(f, "clocks = (\n"
	    " { name = \"contact_decision\"; limit = \"1 working day\";"
	    " forecast = true; },\n"
	    " { name = \"plain\"; limit = \"24 hours\"; }\n"
	    ");\n"
	    "forecast: { at = \"14:30\"; alert_at = 10; };\n"
	    "routes: { forecast = [ \"head@example.org\" ]; };\n", 0600);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	assert_true(must_clock(cfg, "contact_decision")->forecast);
	assert_false(must_clock(cfg, "plain")->forecast);
	assert_int_equal(cfg->forecast.at, 14 * 60 + 30);
	assert_int_equal(cfg->forecast.alert_at, 10);
	assert_int_equal(cfg->routes.forecast.n, 1);
	assert_string_equal(cfg->routes.forecast.v[0], "head@example.org");
	/* routes.forecast is a setting, not a list of the site's own. */
	assert_int_equal(cfg->routes.nnamed, 0);
	config_free(cfg);
	/* Refused: 0 projected breaches, a time that is not one, a domain. */
	write_conf(f, "forecast: { alert_at = 0; };\n", 0600);
	assert_null(config_load(f->path, &errs));
	assert_non_null(strstr(errs.v[0], "forecast.alert_at"));
	config_errors_clear(&errs);
	write_conf(f, "forecast: { at = \"25:00\"; };\n", 0600);
	assert_null(config_load(f->path, &errs));
	assert_non_null(strstr(errs.v[0], "forecast.at"));
	config_errors_clear(&errs);
	write_conf(f, "notify: { allowed_domains = \"example.org\"; };\n"
	    "routes: { forecast = [ \"x@elsewhere.net\" ]; };\n", 0600);
	assert_null(config_load(f->path, &errs));
	assert_non_null(strstr(errs.v[0], "routes.forecast"));
	config_errors_clear(&errs);
}

static void
test_unreloadable_changes(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	struct config *a, *b;

	write_conf(f, "source: { conninfo = \"service=a\"; poll_interval = 30;"
	    " };\nhttp: { listen = \"127.0.0.1:9187\"; };\n", 0600);
	a = config_load(f->path, &errs);
	assert_non_null(a);
	write_conf(f, "source: { conninfo = \"service=b\"; poll_interval = 60;"
	    " };\nhttp: { listen = \"\"; };\n"
	    "clocks = ( { name = \"x\"; limit = \"1 day\"; } );\n", 0600);
	b = config_load(f->path, &errs);
	assert_non_null(b);

	assert_int_equal(config_unreloadable_changes(a, a, &errs), 0);
	assert_int_equal(errs.n, 0);
	/* state.conninfo follows source.conninfo, so it changed too. */
	assert_int_equal(config_unreloadable_changes(a, b, &errs), 3);
	assert_int_equal(errs.n, 3);
	assert_non_null(strstr(errs.v[0], "'source.conninfo' changed"));
	assert_non_null(strstr(errs.v[1], "'state.conninfo' changed"));
	assert_non_null(strstr(errs.v[2], "'http.listen' changed"));
	assert_null(strstr(errs.v[0], "service=b"));
	config_errors_clear(&errs);
	config_free(a);
	config_free(b);
}

static void
test_teams_both_forms(void **state)
{
	struct fixture *f = *state;
	struct config_errors errs = { NULL, 0 };
	const struct team_route *t;
	struct config *cfg;

	write_conf(f, "routes: { teams = (\n"
	    " { team = \"MASH East\"; manager = \"east@example.org\"; },\n"
	    " { team = \"1234\"; escalation = [ \"a@x.org\", \"b@x.org\" ]; }\n"
	    "); };\n", 0600);
	cfg = config_load(f->path, &errs);
	assert_non_null(cfg);
	t = config_team_route(cfg, "MASH East");
	assert_non_null(t);
	assert_string_equal(t->manager.v[0], "east@example.org");
	assert_int_equal(t->escalation.n, 0);
	t = config_team_route(cfg, "1234");
	assert_non_null(t);
	assert_int_equal(t->escalation.n, 2);
	config_free(cfg);
}

/* -t -d: every password masked to the end of its value, in every form. */
static void
test_mask_secrets(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "host=db user=mw password=hunter2",
		  "host=db user=mw password=********" },
		/* '&' is part of a key=value password. */
		{ "host=db password=Sup3r&X dbname=mash",
		  "host=db password=******** dbname=mash" },
		/* A backslash escapes the blank after it. */
		{ "password=a\\ b host=db", "password=******** host=db" },
		{ "password=a\\\\ host=db", "password=******** host=db" },
		{ "password = 'x y\\' z' host=db", "password = ******** host=db" },
		{ "password='it''s' host=db", "password=********'s' host=db" },
		{ "PASSWORD=Up sslpassword=key2", "PASSWORD=******** sslpassword=********" },
		{ "host=db\tpassword=tab\tport=5432", "host=db\tpassword=********\tport=5432" },
		{ "password=", "password=" },
		{ "host=db user=mw", "host=db user=mw" },
		/* URIs: the userinfo and the query parameter. */
		{ "postgresql://mw:s3cr%40t@db:5432/mash",
		  "postgresql://mw:********@db:5432/mash" },
		{ "postgresql://mw@db/mash?password=p%26w&sslmode=require",
		  "postgresql://mw@db/mash?password=********&sslmode=require" },
		{ "postgresql://mw:pw1@db/mash?sslmode=require&password=pw2#x",
		  "postgresql://mw:********@db/mash?sslmode=require&password=********#x" },
		{ "smtp://user:p@ss@mail.example.org:587",
		  "smtp://user:********@mail.example.org:587" },
		{ "postgresql://db/mash", "postgresql://db/mash" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *got = config_mask_secrets(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: %s -> %s, want %s", i, cases[i].in,
			    got, cases[i].want);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_table_defaults_are_valid),
		cmocka_unit_test(test_mask_secrets),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_routes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_relative_paths, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reason_check, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mistakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_three_mistakes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_refused_if_readable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forecast_settings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unreloadable_changes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_teams_both_forms, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
