/*
 * The router and the board's rule on top of it (mashwatch/route.h), as
 * tables: who receives a team's, a clock's and a finding's mail, and so
 * who sees which team on the board; the default route standing in for a
 * team with no usable address; allowed_domains; no teams read yet.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "mashwatch/config.h"
#include "mashwatch/route.h"

static const char conf_text[] =
    "clocks = ( { name = \"contact_decision\"; limit = \"1 working day\"; },\n"
    "  { name = \"dan\"; limit = \"1 working day\"; route = \"police\"; },\n"
    "  { name = \"dan_esc\"; limit = \"1 working day\"; route = \"esc\"; } );\n"
    "repeats = ( { name = \"r\"; kind = \"contact\"; window = \"3 months\"; } );\n"
    "notify: { allowed_domains = \"example.org\"; };\n"
    "http: { board_admins = [ \"admin@example.org\" ]; };\n"
    "routes: {\n"
    "  default = [ \"mash-managers@example.org\" ];\n"
    "  data_quality = [ \"data@example.org\" ];\n"
    "  report = [ \"leaders@example.org\" ];\n"
    "  police = { to = [ \"police@example.org\" ]; };\n"
    "  esc = { to = [ \"e-to@example.org\" ]; escalation = [ \"e-up@example.org\" ]; };\n"
    "  teams = {\n"
    "    T1 = { manager = [ \"boss1@example.org\" ]; };\n"
    "    T5 = { escalation = [ \"esc5@example.org\" ]; };\n"
    "  };\n"
    "};\n";

static struct config *cfg;
static struct team_list teams;

static int
setup(void **state)
{
	char dir[] = "/tmp/test_route.XXXXXX", path[64];
	struct config_errors errs = { 0 };
	FILE *fp;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/mashwatch.conf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(conf_text, fp);
	fclose(fp);
	chmod(path, 0600);
	cfg = config_load(path, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	config_errors_clear(&errs);
	unlink(path);
	rmdir(dir);
	if (cfg == NULL)
		return -1;
	/* The teams view: id, name, manager_email, escalation_email. */
	team_list_add(&teams, "T1", "East", "m1@example.org", NULL,
	    &cfg->notify.domains);
	team_list_add(&teams, "T2", "West", "m2@example.org; m2b@example.org",
	    "head@example.org", &cfg->notify.domains);
	team_list_add(&teams, "T3", "Foreign", "outsider@gmail.com", NULL,
	    &cfg->notify.domains);
	team_list_add(&teams, "T4", "Nobody", NULL, "not an address",
	    &cfg->notify.domains);
	team_list_add(&teams, "T5", "Esc", "m5@example.org", "view5@example.org",
	    &cfg->notify.domains);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	team_list_clear(&teams);
	config_free(cfg);
	return 0;
}

/* Who the router mails: rule, level, team -> recipients, key. */
static void
test_router_table(void **state)
{
	static const struct {
		const char *rule, *level, *team, *rcpts, *key;
		bool unrouted;
	} cases[] = {
		/* The config's team route wins over mash.teams. */
		{ NULL, "overdue", "T1", "boss1@example.org", "team:T1", false },
		/* No escalation for T1 anywhere: the default stands in. */
		{ NULL, "escalated", "T1", "mash-managers@example.org", "default", true },
		{ NULL, "overdue", "T2", "m2@example.org,m2b@example.org", "team:T2", false },
		{ NULL, "escalated", "T2", "head@example.org", "escalation:T2", false },
		/* outsider@gmail.com is refused by allowed_domains. */
		{ NULL, "overdue", "T3", "mash-managers@example.org", "default", true },
		{ NULL, "due_soon", "T4", "mash-managers@example.org", "default", true },
		{ NULL, "escalated", "T4", "mash-managers@example.org", "default", true },
		/* Config escalation, view manager. */
		{ NULL, "overdue", "T5", "m5@example.org", "team:T5", false },
		{ NULL, "escalated", "T5", "esc5@example.org", "escalation:T5", false },
		/* A team the view lacks, and no team. */
		{ NULL, "overdue", "T9", "mash-managers@example.org", "default", true },
		{ NULL, "overdue", NULL, "mash-managers@example.org", "default", true },
		/* A clock's route; its escalation without one goes as a team. */
		{ "dan", "overdue", "T2", "police@example.org", "route:police", false },
		{ "dan", "escalated", "T2", "head@example.org", "escalation:T2", false },
		{ "dan_esc", "escalated", "T2", "e-up@example.org",
		    "escalation-route:esc", false },
		/* Findings. */
		{ "strategy_attendance", "data_quality", "T2", "data@example.org",
		    "data_quality", false },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct route r;
		char got[512] = "";

		router_route(cfg, &teams, cases[i].rule, cases[i].level,
		    cases[i].team, &r);
		for (size_t j = 0; j < r.rcpts.n; j++) {
			if (j > 0)
				strcat(got, ",");
			strcat(got, r.rcpts.v[j]);
		}
		if (strcmp(got, cases[i].rcpts) != 0 ||
		    strcmp(r.key, cases[i].key) != 0 ||
		    r.unrouted != cases[i].unrouted)
			fail_msg("case %zu: %s %s -> %s (%s, unrouted %d)", i,
			    cases[i].level, cases[i].team ? cases[i].team : "-",
			    got, r.key, r.unrouted);
		route_clear(&r);
	}
}

/* Who sees which team on the board: the router's recipients, no more. */
static void
test_board_sees_table(void **state)
{
	static const struct {
		const char *user, *team;
		enum route_sight want;
	} cases[] = {
		{ "admin@example.org", "T1", ROUTE_SIGHT_ADMIN },
		{ "ADMIN@Example.ORG", "", ROUTE_SIGHT_ADMIN },
		{ "leaders@example.org", "T4", ROUTE_SIGHT_REPORT },
		/* The config's manager sees T1; the view's does not. */
		{ "boss1@example.org", "T1", ROUTE_SIGHT_MANAGER },
		{ "m1@example.org", "T1", ROUTE_SIGHT_NONE },
		{ "boss1@example.org", "T2", ROUTE_SIGHT_NONE },
		{ "M2b@example.org", "T2", ROUTE_SIGHT_MANAGER },
		{ "head@example.org", "T2", ROUTE_SIGHT_ESCALATION },
		{ "head@example.org", "T1", ROUTE_SIGHT_NONE },
		/* Refused by allowed_domains: never a recipient, never sees. */
		{ "outsider@gmail.com", "T3", ROUTE_SIGHT_NONE },
		/* The default route receives T3's and T4's mail and T1's
		 * escalations: it sees them; not T2, which has both. */
		{ "mash-managers@example.org", "T3", ROUTE_SIGHT_MANAGER },
		{ "mash-managers@example.org", "T4", ROUTE_SIGHT_MANAGER },
		{ "mash-managers@example.org", "T1", ROUTE_SIGHT_ESCALATION },
		{ "mash-managers@example.org", "T2", ROUTE_SIGHT_NONE },
		{ "mash-managers@example.org", "", ROUTE_SIGHT_MANAGER },
		{ "mash-managers@example.org", "T9", ROUTE_SIGHT_MANAGER },
		{ "esc5@example.org", "T5", ROUTE_SIGHT_ESCALATION },
		/* The view's escalation is overridden by the config's. */
		{ "view5@example.org", "T5", ROUTE_SIGHT_NONE },
		{ "m5@example.org", "T5", ROUTE_SIGHT_MANAGER },
		/* A clock's own route is not a team's. */
		{ "police@example.org", "T2", ROUTE_SIGHT_NONE },
		{ "data@example.org", "T2", ROUTE_SIGHT_NONE },
		{ "m2@example.org", "", ROUTE_SIGHT_NONE },
		{ "", "T2", ROUTE_SIGHT_NONE },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *why = NULL;
		enum route_sight got = route_board_sees(cfg, &teams,
		    cases[i].team, cases[i].user, &why);

		if (got != cases[i].want)
			fail_msg("case %zu: %s sees %s: %d, want %d", i,
			    cases[i].user, cases[i].team, got, cases[i].want);
		assert_true((why != NULL) == (got != ROUTE_SIGHT_NONE));
		assert_non_null(route_sight_text(got));
	}
}

/* Before a good read of the teams view, only admins and the report see. */
static void
test_no_teams_yet(void **state)
{
	static const struct {
		const char *user, *team;
		enum route_sight want;
	} cases[] = {
		{ "admin@example.org", "T1", ROUTE_SIGHT_ADMIN },
		{ "leaders@example.org", "", ROUTE_SIGHT_REPORT },
		{ "boss1@example.org", "T1", ROUTE_SIGHT_NONE },
		{ "mash-managers@example.org", "T1", ROUTE_SIGHT_NONE },
		{ "mash-managers@example.org", "", ROUTE_SIGHT_NONE },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		assert_int_equal(route_board_sees(cfg, NULL, cases[i].team,
		    cases[i].user, NULL), cases[i].want);
}

/* Data-quality alerts: the data-quality route and the admins. */
static void
test_data_quality(void **state)
{
	static const struct {
		const char *user;
		bool want;
	} cases[] = {
		{ "data@example.org", true },
		{ "Admin@example.org", true },
		{ "leaders@example.org", false },
		{ "mash-managers@example.org", false },
		{ "m2@example.org", false },
		{ "outsider@gmail.com", false },
		{ "", false },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		if (route_board_data_quality(cfg, cases[i].user) != cases[i].want)
			fail_msg("case %zu: %s", i, cases[i].user);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_router_table),
		cmocka_unit_test(test_board_sees_table),
		cmocka_unit_test(test_no_teams_yet),
		cmocka_unit_test(test_data_quality),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
