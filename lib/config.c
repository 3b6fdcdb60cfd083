/*
 * Loading mashwatch.conf with libconfig.  The tables in config_table.c say
 * what may be written and config_value.c reads each value; this file walks
 * the file's structure: unknown names, defaults, the lists of clocks,
 * repeats and checks, the teams, and what no single setting can say
 * (duplicates, amber below red).  Every error is collected as
 * "FILE:LINE: message" rather than stopping at the first.
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <grp.h>

#include "mashwatch/config.h"
#include "mashwatch/xmalloc.h"
#include "config_private.h"

/* Edit distance of two short names, for "did you mean". */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[64];
	size_t prev, tmp;

	if (la >= NELEM(d) || lb >= NELEM(d))
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (tmp + 1 < d[j])
				d[j] = tmp + 1;
			prev = tmp;
		}
	}
	return d[lb];
}

/*
 * Report the unknown setting `shown`, suggesting a known name when `name`
 * (shown, or its last part inside a list entry or team) is an obvious typo
 * of it (two edits at most) or the right name in the wrong group.
 */
static void
conf_unknown(struct conf_loader *ld, const config_setting_t *node,
    const char *shown, const char *name, const char *const *known,
    size_t nknown)
{
	const char *best = NULL, *last, *klast;
	size_t i, d, bestd = 3;

	last = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;
	for (i = 0; i < nknown; i++) {
		klast = strrchr(known[i], '.') ? strrchr(known[i], '.') + 1 :
		    known[i];
		d = conf_distance(name, known[i]);
		if (d >= strlen(name) / 2 + 1)
			d = SIZE_MAX;
		if (strcmp(last, klast) == 0 && d > 1)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = known[i];
		}
	}
	if (best != NULL)
		conf_err(ld, node, "unknown setting '%s'; did you mean "
		    "'%s'?", shown, best);
	else
		conf_err(ld, node, "unknown setting '%s'", shown);
}

static const struct conf_setting *
conf_find(const struct conf_setting *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

static const char *const list_names[] = {
	"clocks", "repeats", "checks", "reasons", "routes.teams"
};

/* Flag every name under root that no table knows. */
static void
conf_check_names(struct conf_loader *ld, const config_setting_t *root)
{
	const struct conf_setting *tab;
	const config_setting_t *g, *m;
	const char **known;
	size_t ntab, nknown = 0, i, len;
	char *full;
	int gi, mi;
	bool group;

	tab = config_settings(&ntab);
	known = xcalloc(ntab + NELEM(list_names), sizeof(*known));
	for (i = 0; i < ntab; i++)
		known[nknown++] = tab[i].name;
	for (i = 0; i < NELEM(list_names); i++)
		known[nknown++] = list_names[i];

	for (gi = 0; gi < config_setting_length(root); gi++) {
		g = config_setting_get_elem(root, (unsigned)gi);
		if (strcmp(config_setting_name(g), "clocks") == 0 ||
		    strcmp(config_setting_name(g), "repeats") == 0 ||
		    strcmp(config_setting_name(g), "checks") == 0 ||
		    strcmp(config_setting_name(g), "reasons") == 0)
			continue;
		len = strlen(config_setting_name(g));
		group = false;
		for (i = 0; i < ntab && !group; i++)
			group = strncmp(tab[i].name, config_setting_name(g),
			    len) == 0 && tab[i].name[len] == '.';
		if (!group) {
			conf_unknown(ld, g, config_setting_name(g),
			    config_setting_name(g), known,
			    nknown);
			continue;
		}
		if (!config_setting_is_group(g)) {
			conf_err(ld, g, "'%s' must be a group: %s = { ... };",
			    config_setting_name(g), config_setting_name(g));
			continue;
		}
		for (mi = 0; mi < config_setting_length(g); mi++) {
			m = config_setting_get_elem(g, (unsigned)mi);
			full = xasprintf("%s.%s", config_setting_name(g),
			    config_setting_name(m));
			/* Other names under routes are lists of the site's own. */
			if (conf_find(tab, ntab, full) == NULL &&
			    strcmp(full, "routes.teams") != 0 &&
			    strcmp(config_setting_name(g), "routes") != 0)
				conf_unknown(ld, m, full, full, known, nknown);
			free(full);
		}
	}
	free(known);
}

/*
 * Read one group (an entry of a list, or a team) with table tab into
 * base: unknown names, then each setting, its default or "is required".
 * extra is a name the caller reads itself, or NULL.
 */
static void
conf_load_group(struct conf_loader *ld, const config_setting_t *grp,
    const char *prefix, const struct conf_setting *tab, size_t ntab,
    const char *extra, void *base)
{
	const config_setting_t *m;
	const char **known;
	char *name;
	size_t i, nknown = 0;
	int k;

	known = xcalloc(ntab + 1, sizeof(*known));
	for (i = 0; i < ntab; i++)
		known[nknown++] = tab[i].name;
	if (extra != NULL)
		known[nknown++] = extra;
	for (k = 0; k < config_setting_length(grp); k++) {
		m = config_setting_get_elem(grp, (unsigned)k);
		if (conf_find(tab, ntab, config_setting_name(m)) != NULL ||
		    (extra && strcmp(extra, config_setting_name(m)) == 0))
			continue;
		name = xasprintf("%s.%s", prefix, config_setting_name(m));
		conf_unknown(ld, m, name, config_setting_name(m), known,
		    nknown);
		free(name);
	}
	free(known);

	for (i = 0; i < ntab; i++) {
		m = config_setting_get_member(grp, tab[i].name);
		name = xasprintf("%s.%s", prefix, tab[i].name);
		if (m != NULL)
			conf_read_value(ld, &tab[i], name, m, base);
		else if (tab[i].required)
			conf_err(ld, grp, "'%s' is required", name);
		else if (tab[i].def != NULL)
			conf_read_default(ld, &tab[i], base);
		free(name);
	}
}

/*
 * How an error names an entry of a list: by its name (or code) when it has
 * a plain one ("clocks[contact_decision]"), else by its index
 * ("clocks[3]"), so that the operator finds it without counting.
 */
static char *
conf_entry_prefix(const config_setting_t *el, const char *key,
    const char *keyname, size_t i)
{
	const char *nm = NULL;
	size_t n;

	if (config_setting_is_group(el) &&
	    config_setting_lookup_string(el, keyname, &nm) == CONFIG_TRUE &&
	    (n = strlen(nm)) > 0 && n <= 63 &&
	    strspn(nm, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") == n)
		return xasprintf("%s[%s]", key, nm);
	return xasprintf("%s[%zu]", key, i);
}

/*
 * Read the list `key` (clocks, repeats, checks or reasons) into an array
 * of entries of elemsize bytes.  Each table has keyname ("name", or
 * "code" for reasons) and "label"; the label defaults to the key, and keys
 * must be unique.
 */
static void *
conf_load_list(struct conf_loader *ld, const config_t *cf, const char *key,
    const char *keyname, const struct conf_setting *tab, size_t ntab,
    size_t elemsize, size_t line_off, size_t *count)
{
	const struct conf_setting *sname = conf_find(tab, ntab, keyname);
	const struct conf_setting *slabel = conf_find(tab, ntab, "label");
	const config_setting_t *list, *el;
	char *base, *prefix, *nm, *other;
	size_t i, j, n;

	*count = 0;
	if ((list = config_lookup(cf, key)) == NULL)
		return NULL;
	if (!config_setting_is_list(list) && !(config_setting_is_array(list)
	    && config_setting_length(list) == 0)) {
		conf_err(ld, list, "'%s' must be a list of groups: %s = "
		    "( { %s = ...; }, { ... } );", key, key, keyname);
		return NULL;
	}
	n = (size_t)config_setting_length(list);
	base = xcalloc(n ? n : 1, elemsize);
	for (i = 0; i < n; i++) {
		el = config_setting_get_elem(list, (unsigned)i);
		*(int *)(void *)(base + i * elemsize + line_off) =
		    config_setting_source_line(el);
		if (!config_setting_is_group(el)) {
			conf_err(ld, el, "each entry of '%s' must be a group "
			    "{ %s = ...; }", key, keyname);
			continue;
		}
		prefix = conf_entry_prefix(el, key, keyname, i);
		conf_load_group(ld, el, prefix, tab, ntab, NULL,
		    base + i * elemsize);
		free(prefix);
		nm = *CONF_CFIELD(base + i * elemsize, sname, char *);
		if (nm != NULL && *CONF_CFIELD(base + i * elemsize, slabel,
		    char *) == NULL)
			*CONF_FIELD(base + i * elemsize, slabel, char *) =
			    xstrdup(nm);
		for (j = 0; nm != NULL && j < i; j++) {
			other = *CONF_CFIELD(base + j * elemsize, sname,
			    char *);
			if (other != NULL && strcmp(other, nm) == 0) {
				conf_err(ld, el, "duplicate %s '%s' in "
				    "'%s' (first at line %d)", keyname, nm, key,
				    *(int *)(void *)(base + j * elemsize +
				    line_off));
				break;
			}
		}
	}
	*count = n;
	return base;
}

static void
conf_load_clocks(struct conf_loader *ld, const config_t *cf, struct config *cfg)
{
	const struct conf_setting *tab;
	const config_setting_t *el;
	struct clock_conf *c;
	size_t ntab, i;

	tab = config_clock_settings(&ntab);
	cfg->clocks = conf_load_list(ld, cf, "clocks", "name", tab, ntab,
	    sizeof(*cfg->clocks), offsetof(struct clock_conf, line),
	    &cfg->nclocks);
	for (i = 0; i < cfg->nclocks; i++) {
		c = &cfg->clocks[i];
		el = config_setting_get_elem(config_lookup(cf, "clocks"),
		    (unsigned)i);
		if (!config_setting_is_group(el))
			continue;
		c->has_warn = config_setting_get_member(el,
		    "warn_before") != NULL;
		c->has_escalate = config_setting_get_member(el,
		    "escalate_after") != NULL;
		/* A clock judged when it stops never warns nor escalates. */
		if (c->alert_on == ALERT_ON_LATE_STOP &&
		    (c->has_warn || c->has_escalate))
			conf_err(ld, el, "'clocks[%s]': warn_before and "
			    "escalate_after do nothing with alert_on = "
			    "\"late_stop\"; remove them", c->name ? c->name :
			    "?");
	}
}

static void
conf_load_team(struct conf_loader *ld, const config_setting_t *grp,
    const char *id, struct config *cfg)
{
	struct team_route *t;
	const struct conf_setting *tab;
	char *prefix;
	size_t i, ntab;

	tab = conf_team_settings(&ntab);
	for (i = 0; i < cfg->routes.nteams; i++)
		if (strcmp(cfg->routes.teams[i].team_id, id) == 0) {
			conf_err(ld, grp, "duplicate team '%s' in "
			    "'routes.teams'", id);
			return;
		}
	t = &cfg->routes.teams[cfg->routes.nteams++];
	t->team_id = xstrdup(id);
	prefix = xasprintf("routes.teams.%s", id);
	conf_load_group(ld, grp, prefix, tab, ntab,
	    config_setting_is_list(config_setting_parent(grp)) ? "team" : NULL,
	    t);
	free(prefix);
}

/*
 * routes.teams is a group of TEAM = { manager = ...; escalation = ...; }
 * where TEAM must be a libconfig name (a letter first, then letters,
 * digits, - and _); a team id that is not, such as "123" or "MASH East",
 * is written in the list form ( { team = "MASH East"; manager = ...; } ).
 */
static void
conf_load_teams(struct conf_loader *ld, const config_t *cf, struct config *cfg)
{
	const config_setting_t *teams, *t, *id;
	int i, n;

	if ((teams = config_lookup(cf, "routes.teams")) == NULL)
		return;
	if (!config_setting_is_group(teams) && !config_setting_is_list(teams)) {
		conf_err(ld, teams, "'routes.teams' must be a group: teams = "
		    "{ MASH = { manager = [ \"...\" ]; }; };");
		return;
	}
	n = config_setting_length(teams);
	cfg->routes.teams = xcalloc(n ? (size_t)n : 1,
	    sizeof(*cfg->routes.teams));
	for (i = 0; i < n; i++) {
		t = config_setting_get_elem(teams, (unsigned)i);
		if (!config_setting_is_group(t)) {
			conf_err(ld, t, "each team of 'routes.teams' must be "
			    "a group { manager = [ ... ]; escalation = "
			    "[ ... ]; }");
			continue;
		}
		if (config_setting_is_group(teams)) {
			conf_load_team(ld, t, config_setting_name(t), cfg);
			continue;
		}
		id = config_setting_get_member(t, "team");
		if (id == NULL || config_setting_type(id) != CONFIG_TYPE_STRING
		    || *config_setting_get_string(id) == '\0')
			conf_err(ld, t, "each entry of 'routes.teams' needs "
			    "team = \"TEAM ID\";");
		else
			conf_load_team(ld, t, config_setting_get_string(id),
			    cfg);
	}
}

/*
 * routes.NAME besides the table's own: NAME = [ addresses ]; or NAME =
 * { to = [ ... ]; escalation = [ ... ]; }.  Their names are CONF_IDENTs,
 * so that a clock's route = "NAME" is checked like any identifier.
 */
static void
conf_load_named_routes(struct conf_loader *ld, const config_t *cf,
    struct config *cfg)
{
	const struct conf_setting *tab, *to;
	const config_setting_t *routes, *m;
	struct named_route *r;
	const char *name;
	char *prefix;
	size_t ntab, dummy;
	int i, n;

	if ((routes = config_lookup(cf, "routes")) == NULL ||
	    !config_setting_is_group(routes))
		return;
	tab = conf_named_route_settings(&ntab);
	to = conf_find(tab, ntab, "to");
	(void)config_settings(&dummy);
	n = config_setting_length(routes);
	cfg->routes.named = xcalloc(n ? (size_t)n : 1,
	    sizeof(*cfg->routes.named));
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(routes, (unsigned)i);
		name = config_setting_name(m);
		prefix = xasprintf("routes.%s", name);
		if (strcmp(name, "teams") == 0 || conf_find(config_settings(
		    &dummy), dummy, prefix) != NULL) {
			free(prefix);
			continue;
		}
		r = &cfg->routes.named[cfg->routes.nnamed++];
		r->name = xstrdup(name);
		r->line = config_setting_source_line(m);
		if (config_setting_is_group(m))
			conf_load_group(ld, m, prefix, tab, ntab, NULL, r);
		else
			conf_read_value(ld, to, prefix, m, r);
		free(prefix);
	}
}

/* "HH:MM-HH:MM" into minutes after midnight; the end may be 24:00. */
static bool
conf_hours_parse(const char *s, int *from, int *to)
{
	int h1, m1, h2, m2, used = 0;

	if (sscanf(s, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 ||
	    s[used] != '\0' || used != 11)
		return false;
	if (h1 < 0 || h1 > 23 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 ||
	    m2 < 0 || m2 > 59 || (h2 == 24 && m2 != 0))
		return false;
	*from = h1 * 60 + m1;
	*to = h2 * 60 + m2;
	return *from < *to;
}

/* Every address the config holds, against notify.allowed_domains. */
static void
conf_check_domains(struct conf_loader *ld, const config_t *cf,
    const char *name, const struct addresses *a,
    const struct address_domains *d)
{
	const config_setting_t *node = config_lookup(cf, name);

	for (size_t i = 0; i < a->n; i++)
		if (address_check(a->v[i], d) == ADDRESS_FOREIGN)
			conf_err(ld, node, "'%s': \"%s\" is not in "
			    "notify.allowed_domains", name, a->v[i]);
}

static void
conf_check_routes(struct conf_loader *ld, const config_t *cf,
    struct config *cfg)
{
	const struct address_domains *d = &cfg->notify.domains;
	const config_setting_t *node;
	char *name;
	size_t i;

	if (cfg->notify.working_hours != NULL &&
	    !conf_hours_parse(cfg->notify.working_hours, &cfg->notify.work_from,
	    &cfg->notify.work_to))
		conf_err(ld, config_lookup(cf, "notify.working_hours"),
		    "'notify.working_hours': \"%s\" is not \"HH:MM-HH:MM\" "
		    "with the start before the end (e.g. \"08:00-18:00\")",
		    cfg->notify.working_hours);
	if (cfg->notify.allowed_domains != NULL &&
	    address_domains_parse(cfg->notify.allowed_domains,
	    &cfg->notify.domains) < 0)
		conf_err(ld, config_lookup(cf, "notify.allowed_domains"),
		    "'notify.allowed_domains': \"%s\" is not a list of "
		    "domain names", cfg->notify.allowed_domains);
	conf_check_domains(ld, cf, "routes.default", &cfg->routes.def, d);
	conf_check_domains(ld, cf, "routes.data_quality",
	    &cfg->routes.data_quality, d);
	conf_check_domains(ld, cf, "routes.report", &cfg->routes.report, d);
	conf_check_domains(ld, cf, "routes.region", &cfg->routes.region, d);
	conf_check_domains(ld, cf, "routes.partnership",
	    &cfg->routes.partnership, d);
	conf_check_domains(ld, cf, "routes.forecast", &cfg->routes.forecast, d);
	for (i = 0; i < cfg->routes.nnamed; i++) {
		name = xasprintf("routes.%s", cfg->routes.named[i].name);
		conf_check_domains(ld, cf, name, &cfg->routes.named[i].to, d);
		conf_check_domains(ld, cf, name,
		    &cfg->routes.named[i].escalation, d);
		free(name);
	}
	node = config_lookup(cf, "routes.teams");
	for (i = 0; i < cfg->routes.nteams; i++) {
		const struct team_route *t = &cfg->routes.teams[i];

		for (size_t j = 0; j < t->manager.n + t->escalation.n; j++) {
			const char *a = j < t->manager.n ? t->manager.v[j] :
			    t->escalation.v[j - t->manager.n];

			if (address_check(a, d) == ADDRESS_FOREIGN)
				conf_err(ld, node, "'routes.teams': team "
				    "'%s': \"%s\" is not in "
				    "notify.allowed_domains", t->team_id, a);
		}
	}
	for (i = 0; i < cfg->nclocks; i++)
		if (cfg->clocks[i].route != NULL &&
		    config_named_route(cfg, cfg->clocks[i].route) == NULL)
			conf_err(ld, config_setting_get_elem(config_lookup(cf,
			    "clocks"), (unsigned)i), "'clocks[%zu]': route "
			    "\"%s\" is not a list in routes (write routes: "
			    "{ %s = [ \"...\" ]; };)", i, cfg->clocks[i].route,
			    cfg->clocks[i].route);
}

/* HOST:PORT or [V6]:PORT with a port from 1 to 65535. */
static bool
conf_listen_ok(const char *v)
{
	const char *colon, *p;
	long port;
	char *end;

	/* sun_path holds 108 bytes with its NUL. */
	if (strncmp(v, "unix:", 5) == 0)
		return v[5] == '/' && strlen(v + 5) < 108;
	if (*v == '[') {
		if ((p = strchr(v, ']')) == NULL || p == v + 1 || p[1] != ':')
			return false;
		colon = p + 1;
	} else {
		colon = strchr(v, ':');
		if (colon == NULL || colon == v || strchr(colon + 1, ':'))
			return false;
	}
	if (!isdigit((unsigned char)colon[1]))
		return false;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	return errno == 0 && *end == '\0' && port >= 1 && port <= 65535;
}

/* Whether an address of http.trusted_proxies is this host's loopback. */
static bool
conf_loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
	    strncasecmp(a, "::ffff:127.", 11) == 0 ||
	    strcmp(a, "0:0:0:0:0:0:0:1") == 0;
}

/*
 * "scheme://host[:port]" with an optional final "/": what a browser sends
 * as Origin for the board (the board's same-origin check compares them).
 */
static bool
conf_public_url_ok(const char *v)
{
	const char *h, *p;
	char *end;
	long port;

	if (strncmp(v, "https://", 8) == 0)
		h = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		h = v + 7;
	else
		return false;
	if (*h == '[') {
		if ((p = strchr(h, ']')) == NULL || p == h + 1)
			return false;
		p++;
	} else {
		p = h + strcspn(h, ":/");
		if (p == h)
			return false;
		for (const char *q = h; q < p; q++)
			if (!isalnum((unsigned char)*q) && *q != '.' &&
			    *q != '-')
				return false;
	}
	if (*p == ':') {
		if (!isdigit((unsigned char)p[1]))
			return false;
		errno = 0;
		port = strtol(p + 1, &end, 10);
		if (errno != 0 || port < 1 || port > 65535)
			return false;
		p = end;
	}
	return *p == '\0' || strcmp(p, "/") == 0;
}

/*
 * Read http.proxy_secret_file into cfg->http.proxy_secret: a file that
 * others can read is refused (the secret is the proxy's identity), and so
 * is one whose secret is short or would not fit in a header.
 */
static void
conf_read_proxy_secret(struct conf_loader *ld, const config_t *cf,
    struct config *cfg)
{
	const char *path = cfg->http.proxy_secret_file;
	const config_setting_t *node = config_lookup(cf,
	    "http.proxy_secret_file");
	char buf[1024];
	struct stat st;
	size_t n = 0;
	FILE *fp = NULL;

	if (path == NULL || *path == '\0')
		return;
	if ((fp = fopen(path, "r")) == NULL || fstat(fileno(fp), &st) != 0) {
		conf_err(ld, node, "'http.proxy_secret_file': cannot read %s: "
		    "%s", path, strerror(errno));
		goto out;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		conf_err(ld, node, "'http.proxy_secret_file': %s is readable "
		    "or writable by others: refused; chmod o-rw %s", path, path);
		goto out;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] <= ' ' || (unsigned char)buf[i] >= 0x7f) {
			n = 0;
			break;
		}
	if (n < 16) {
		conf_err(ld, node, "'http.proxy_secret_file': %s must hold "
		    "one line of at least 16 printable characters, no "
		    "blanks (e.g. openssl rand -hex 32)", path);
		goto out;
	}
	cfg->http.proxy_secret = xstrdup(buf);
out:
	explicit_bzero(buf, sizeof(buf));
	if (fp != NULL)
		fclose(fp);
}

/*
 * Who the board believes (mashwatchd(8), SECURITY): being on this host is
 * not an identity, so a board on TCP needs the proxy's secret, or trusted
 * proxies that are not loopback; and the same-origin check needs the
 * board's public address.
 */
static void
conf_check_board(struct conf_loader *ld, const config_t *cf,
    struct config *cfg)
{
	const config_setting_t *tp = config_lookup(cf, "http.trusted_proxies");
	const struct addresses *a = &cfg->http.trusted_proxies;
	bool other = tp != NULL && a->n > 0;

	cfg->http.trusted_explicit = tp != NULL;
	conf_read_proxy_secret(ld, cf, cfg);
	if (cfg->http.public_url != NULL && *cfg->http.public_url &&
	    !conf_public_url_ok(cfg->http.public_url))
		conf_err(ld, config_lookup(cf, "http.public_url"),
		    "'http.public_url': \"%s\" is not scheme://host[:port] "
		    "(e.g. \"https://mash-board.example.org\")",
		    cfg->http.public_url);
	if (cfg->http.socket_group != NULL && *cfg->http.socket_group &&
	    getgrnam(cfg->http.socket_group) == NULL)
		conf_err(ld, config_lookup(cf, "http.socket_group"),
		    "'http.socket_group': no group \"%s\" on this host",
		    cfg->http.socket_group);
	if (!cfg->http.board || cfg->http.listen == NULL ||
	    *cfg->http.listen == '\0')
		return;
	if (cfg->http.public_url == NULL || *cfg->http.public_url == '\0')
		conf_err(ld, config_lookup(cf, "http.board"), "'http.public_url' "
		    "is required when http.board is on: the address users "
		    "open the board at, e.g. \"https://mash-board.example.org\" "
		    "(POST /ack is taken only from that Origin)");
	if (strncmp(cfg->http.listen, "unix:", 5) == 0 ||
	    (cfg->http.proxy_secret_file != NULL &&
	    *cfg->http.proxy_secret_file))
		return;
	for (size_t i = 0; i < a->n; i++)
		if (conf_loopback(a->v[i]))
			other = false;
	if (!other)
		conf_err(ld, config_lookup(cf, "http.board"), "'http.board' on "
		    "TCP (http.listen \"%s\") needs http.proxy_secret_file, "
		    "or http.listen = \"unix:PATH\", or http.trusted_proxies "
		    "set to the proxy's addresses other than loopback: any "
		    "process on this host could otherwise be any user",
		    cfg->http.listen);
}

/*
 * What no single table entry can say.  A value that came from a default has
 * no node, so its message names the file without a line.
 */
static void
conf_check_config(struct conf_loader *ld, const config_t *cf,
    struct config *cfg)
{
	const config_setting_t *node;
	const char *p;
	struct stat st;

	if (cfg->caseloads.amber >= cfg->caseloads.red) {
		if ((node = config_lookup(cf, "caseloads.amber")) == NULL)
			node = config_lookup(cf, "caseloads.red");
		conf_err(ld, node, "'caseloads.amber' (%d) must be less than "
		    "'caseloads.red' (%d)", cfg->caseloads.amber,
		    cfg->caseloads.red);
	}
	if (cfg->notify.from != NULL && !conf_address_ok(cfg->notify.from))
		conf_err(ld, config_lookup(cf, "notify.from"), "'notify.from': "
		    "\"%s\" is not an email address; write local@domain",
		    cfg->notify.from);
	if (cfg->notify.smtp_url != NULL &&
	    strncmp(cfg->notify.smtp_url, "smtp://", 7) != 0 &&
	    strncmp(cfg->notify.smtp_url, "smtps://", 8) != 0)
		conf_err(ld, config_lookup(cf, "notify.smtp_url"),
		    "'notify.smtp_url' must start with smtp:// or smtps://");
	if (cfg->http.listen != NULL && *cfg->http.listen &&
	    !conf_listen_ok(cfg->http.listen))
		conf_err(ld, config_lookup(cf, "http.listen"), "'http.listen': "
		    "\"%s\" is not HOST:PORT or unix:/PATH (e.g. "
		    "\"127.0.0.1:9187\"; \"\" disables)", cfg->http.listen);
	conf_check_board(ld, cf, cfg);
	/* The link goes into emails: only known placeholders, only http(s). */
	if (cfg->notify.link != NULL && *cfg->notify.link) {
		p = cfg->notify.link;
		if (strncmp(p, "https://", 8) != 0 &&
		    strncmp(p, "http://", 7) != 0)
			conf_err(ld, config_lookup(cf, "notify.link"),
			    "'notify.link' must start with https:// or "
			    "http://");
		for (p = strchr(p, '{'); p != NULL; p = strchr(p + 1, '{'))
			if (strncmp(p, "{child}", 7) != 0 &&
			    strncmp(p, "{instance}", 10) != 0) {
				conf_err(ld, config_lookup(cf, "notify.link"),
				    "'notify.link' may use {child} and "
				    "{instance} only");
				break;
			}
	}
	if (cfg->notify.password_file != NULL && *cfg->notify.password_file &&
	    stat(cfg->notify.password_file, &st) == 0 &&
	    (st.st_mode & S_IROTH))
		conf_err(ld, config_lookup(cf, "notify.password_file"),
		    "'notify.password_file': %s is readable by others: "
		    "refused; chmod o-r %s", cfg->notify.password_file,
		    cfg->notify.password_file);
}

static void
conf_load_settings(struct conf_loader *ld, const config_t *cf,
    struct config *cfg)
{
	const struct conf_setting *tab;
	const config_setting_t *node;
	size_t ntab, i;

	tab = config_settings(&ntab);
	for (i = 0; i < ntab; i++) {
		node = config_lookup(cf, tab[i].name);
		if (node != NULL)
			conf_read_value(ld, &tab[i], tab[i].name, node, cfg);
		else if (tab[i].def != NULL)
			conf_read_default(ld, &tab[i], cfg);
	}
	if (cfg->state.conninfo == NULL)
		cfg->state.conninfo = xstrdup(cfg->source.conninfo);
}

static int
conf_error_cmp(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	/* Keep the order of discovery for one line (qsort is not stable). */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The config file's folder, absolute, so that a later chdir is harmless. */
static char *
conf_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *abs;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if ((abs = realpath(dir, NULL)) != NULL) {
		free(dir);
		dir = xstrdup(abs);
		free(abs);
	}
	return dir;
}

struct config *
config_load(const char *path, struct config_errors *errs)
{
	return config_load_as(path, path, errs);
}

struct config *
config_load_as(const char *read_path, const char *path,
    struct config_errors *errs)
{
	const struct conf_setting *tab;
	struct config *cfg = NULL, *ret = NULL;
	struct conf_loader ld;
	config_t cf;
	FILE *fp;
	size_t i, ntab;

	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.dir = conf_folder(path);
	config_init(&cf);
	config_set_include_dir(&cf, ld.dir);

	/* libconfig says only "file I/O error"; fopen says why. */
	if ((fp = fopen(read_path, "r")) == NULL) {
		config_errors_add(errs, "%s: %s", path, strerror(errno));
		goto out;
	}
	fclose(fp);
	if (config_read_file(&cf, read_path) != CONFIG_TRUE) {
		if (config_error_line(&cf) > 0)
			config_errors_add(errs, "%s:%d: %s",
			    config_error_file(&cf) && strcmp(config_error_file(
			    &cf), read_path) != 0 ? config_error_file(&cf) :
			    path, config_error_line(&cf),
			    config_error_text(&cf));
		else
			config_errors_add(errs, "%s: %s", path,
			    config_error_text(&cf));
		goto out;
	}

	cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(path);
	conf_check_names(&ld, config_root_setting(&cf));
	conf_load_settings(&ld, &cf, cfg);
	conf_load_teams(&ld, &cf, cfg);
	conf_load_named_routes(&ld, &cf, cfg);
	conf_load_clocks(&ld, &cf, cfg);
	tab = config_repeat_settings(&ntab);
	cfg->repeats = conf_load_list(&ld, &cf, "repeats", "name", tab, ntab,
	    sizeof(*cfg->repeats), offsetof(struct repeat_conf, line),
	    &cfg->nrepeats);
	tab = config_check_settings(&ntab);
	cfg->checks = conf_load_list(&ld, &cf, "checks", "name", tab, ntab,
	    sizeof(*cfg->checks), offsetof(struct check_conf, line),
	    &cfg->nchecks);
	tab = config_reason_settings(&ntab);
	cfg->reasons = conf_load_list(&ld, &cf, "reasons", "code", tab, ntab,
	    sizeof(*cfg->reasons), offsetof(struct reason_conf, line),
	    &cfg->nreasons);
	/* agency = "" is written to say "none", as -t -d prints it. */
	for (i = 0; i < cfg->nreasons; i++)
		if (cfg->reasons[i].agency != NULL &&
		    *cfg->reasons[i].agency == '\0') {
			free(cfg->reasons[i].agency);
			cfg->reasons[i].agency = NULL;
		}
	conf_check_config(&ld, &cf, cfg);
	conf_check_routes(&ld, &cf, cfg);
	if (ld.n == 0) {
		ret = cfg;
		cfg = NULL;
	}
out:
	/* Report in the order of the file, as a reader fixes them. */
	if (ld.n > 0)
		qsort(ld.v, ld.n, sizeof(*ld.v), conf_error_cmp);
	for (i = 0; i < ld.n; i++) {
		config_errors_add(errs, "%s", ld.v[i].msg);
		free(ld.v[i].msg);
	}
	free(ld.v);
	free(ld.dir);
	config_destroy(&cf);
	config_free(cfg);
	return ret;
}

