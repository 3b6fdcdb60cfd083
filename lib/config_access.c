/*
 * Using a loaded configuration: look-ups, `mashwatchd -t -d` output (with
 * passwords masked), what a reload cannot change, and freeing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/config.h"
#include "mashwatch/xmalloc.h"
#include "config_private.h"

char *
config_mask_secrets(const char *s)
{
	char *out = xstrdup(s), *tmp;
	size_t b, e, from = 0;

	while (conf_secret_find(out, from, &b, &e)) {
		tmp = xasprintf("%.*s********%s", (int)b, out, out + e);
		free(out);
		out = tmp;
		from = b + 8;
	}
	return out;
}

static void
conf_free_addresses(struct addresses *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

void
config_free(struct config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->source.conninfo);
	free(cfg->source.schema);
	free(cfg->source.listen);
	free(cfg->state.conninfo);
	free(cfg->calendar.timezone);
	free(cfg->calendar.holidays);
	for (i = 0; i < cfg->nclocks; i++) {
		free(cfg->clocks[i].name);
		free(cfg->clocks[i].label);
		free(cfg->clocks[i].route);
		for (j = 0; j < cfg->clocks[i].nlimits; j++)
			free(cfg->clocks[i].limits[j].priority);
		free(cfg->clocks[i].limits);
	}
	free(cfg->clocks);
	for (i = 0; i < cfg->nrepeats; i++) {
		free(cfg->repeats[i].name);
		free(cfg->repeats[i].label);
		free(cfg->repeats[i].kind);
	}
	free(cfg->repeats);
	for (i = 0; i < cfg->nchecks; i++) {
		free(cfg->checks[i].name);
		free(cfg->checks[i].label);
	}
	free(cfg->checks);
	for (i = 0; i < cfg->nreasons; i++) {
		free(cfg->reasons[i].code);
		free(cfg->reasons[i].label);
		free(cfg->reasons[i].agency);
	}
	free(cfg->reasons);
	conf_free_addresses(&cfg->routes.def);
	conf_free_addresses(&cfg->routes.data_quality);
	conf_free_addresses(&cfg->routes.report);
	conf_free_addresses(&cfg->routes.region);
	conf_free_addresses(&cfg->routes.partnership);
	free(cfg->partnership.police_lag_clock);
	free(cfg->partnership.attendance_check);
	conf_free_addresses(&cfg->routes.forecast);
	for (i = 0; i < cfg->routes.nteams; i++) {
		free(cfg->routes.teams[i].team_id);
		conf_free_addresses(&cfg->routes.teams[i].manager);
		conf_free_addresses(&cfg->routes.teams[i].escalation);
	}
	free(cfg->routes.teams);
	for (i = 0; i < cfg->routes.nnamed; i++) {
		free(cfg->routes.named[i].name);
		conf_free_addresses(&cfg->routes.named[i].to);
		conf_free_addresses(&cfg->routes.named[i].escalation);
	}
	free(cfg->routes.named);
	free(cfg->notify.working_hours);
	free(cfg->notify.allowed_domains);
	address_domains_clear(&cfg->notify.domains);
	free(cfg->notify.smtp_url);
	free(cfg->notify.smtp_user);
	free(cfg->notify.password_file);
	free(cfg->notify.sendmail);
	free(cfg->notify.directory);
	free(cfg->notify.from);
	free(cfg->notify.link);
	free(cfg->report.archive);
	free(cfg->report.authority);
	for (i = 0; i < cfg->report.ncomparators; i++) {
		free(cfg->report.comparators[i].name);
		free(cfg->report.comparators[i].file);
	}
	free(cfg->report.comparators);
	free(cfg->http.listen);
	free(cfg->http.user_header);
	free(cfg->http.socket_group);
	free(cfg->http.proxy_secret_file);
	if (cfg->http.proxy_secret != NULL)
		explicit_bzero(cfg->http.proxy_secret,
		    strlen(cfg->http.proxy_secret));
	free(cfg->http.proxy_secret);
	free(cfg->http.public_url);
	conf_free_addresses(&cfg->http.trusted_proxies);
	conf_free_addresses(&cfg->http.board_admins);
	free(cfg);
}

const struct clock_conf *
config_clock(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nclocks; i++)
		if (strcmp(cfg->clocks[i].name, name) == 0)
			return &cfg->clocks[i];
	return NULL;
}

const struct repeat_conf *
config_repeat(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nrepeats; i++)
		if (strcmp(cfg->repeats[i].name, name) == 0)
			return &cfg->repeats[i];
	return NULL;
}

const struct check_conf *
config_check(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nchecks; i++)
		if (strcmp(cfg->checks[i].name, name) == 0)
			return &cfg->checks[i];
	return NULL;
}

const struct reason_conf *
config_reason(const struct config *cfg, const char *code)
{
	size_t i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < cfg->nreasons; i++)
		if (strcmp(cfg->reasons[i].code, code) == 0)
			return &cfg->reasons[i];
	return NULL;
}

const char *
config_reason_codes(const struct config *cfg, char *buf, size_t len)
{
	size_t i, at = 0, n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (cfg->nreasons == 0) {
		snprintf(buf, len, "none configured");
		return buf;
	}
	for (i = 0; i < cfg->nreasons; i++) {
		n = strlen(cfg->reasons[i].code) + (i ? 2 : 0);
		/* Room for this code and, if more follow, for ", ...". */
		if (at + n + (i + 1 < cfg->nreasons ? 5 : 0) >= len) {
			if (at + 5 < len)
				snprintf(buf + at, len - at, "%s...",
				    i ? ", " : "");
			break;
		}
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    i ? ", " : "", cfg->reasons[i].code);
	}
	return buf;
}

enum reason_verdict
config_reason_check(const struct config *cfg, const char *code,
    const char *level)
{
	if (code != NULL && *code != '\0')
		return config_reason(cfg, code) != NULL ? REASON_OK :
		    REASON_UNKNOWN;
	if (cfg->ack.reason_required && level != NULL &&
	    (strcmp(level, "overdue") == 0 || strcmp(level, "escalated") == 0))
		return REASON_MISSING;
	return REASON_OK;
}

const struct timescale *
config_clock_limit(const struct clock_conf *c, const char *priority)
{
	size_t i;

	if (priority == NULL || *priority == '\0')
		return &c->limit;
	for (i = 0; i < c->nlimits; i++)
		if (strcmp(c->limits[i].priority, priority) == 0)
			return &c->limits[i].limit;
	return NULL;
}

const struct timescale *
config_clock_timescale(const struct clock_conf *c, const char *priority)
{
	const struct timescale *t = config_clock_limit(c, priority);

	return t != NULL ? t : &c->limit;
}

const struct named_route *
config_named_route(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->routes.nnamed; i++)
		if (strcmp(cfg->routes.named[i].name, name) == 0)
			return &cfg->routes.named[i];
	return NULL;
}

const struct team_route *
config_team_route(const struct config *cfg, const char *team_id)
{
	size_t i;

	if (team_id == NULL)
		return NULL;
	for (i = 0; i < cfg->routes.nteams; i++)
		if (strcmp(cfg->routes.teams[i].team_id, team_id) == 0)
			return &cfg->routes.teams[i];
	return NULL;
}

static void
conf_print_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* The value of s in base in the file's syntax; mask hides passwords. */
static char *
conf_format_value(const struct conf_setting *s, const void *base, bool mask)
{
	const struct addresses *a;
	const struct limit_entry *lv;
	const struct float_entry *fv;
	char *out = NULL, *tmp, buf[64];
	size_t len = 0, i, n;
	FILE *fp;
	int v;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return xstrdup("?");
	switch (s->type) {
	case CONF_STRING:
	case CONF_IDENT:
	case CONF_PATH:
	case CONF_DOMAINS:
		if (*CONF_CFIELD(base, s, char *) == NULL) {
			fputs("\"\"", fp);
			break;
		}
		tmp = mask ? config_mask_secrets(*CONF_CFIELD(base, s, char *)) :
		    xstrdup(*CONF_CFIELD(base, s, char *));
		conf_print_string(fp, tmp);
		free(tmp);
		break;
	case CONF_INT:
		fprintf(fp, "%d", *CONF_CFIELD(base, s, int));
		break;
	case CONF_FLOAT:
		fprintf(fp, "%g", *CONF_CFIELD(base, s, double));
		break;
	case CONF_BOOL:
		fputs(*CONF_CFIELD(base, s, bool) ? "true" : "false", fp);
		break;
	case CONF_TIME_OF_DAY:
		v = *CONF_CFIELD(base, s, int);
		fprintf(fp, "\"%02d:%02d\"", v / 60, v % 60);
		break;
	case CONF_LIMIT:
	case CONF_WINDOW:
	case CONF_AGE:
		timescale_format(CONF_CFIELD(base, s, struct timescale), buf,
		    sizeof(buf));
		fprintf(fp, "\"%s\"", buf);
		break;
	case CONF_WEEKDAYS:
		fputs("[", fp);
		for (n = 0, i = 1; i <= 7; i++)
			if (*CONF_CFIELD(base, s, unsigned) & (1u << (i % 7)))
				fprintf(fp, "%s\"%s\"", n++ ? ", " : " ",
				    conf_weekday_names[i % 7]);
		fputs(" ]", fp);
		break;
	case CONF_ADDRESSES:
	case CONF_HOSTS:
		a = CONF_CFIELD(base, s, struct addresses);
		fputs("[", fp);
		for (i = 0; i < a->n; i++) {
			fputs(i ? ", " : " ", fp);
			conf_print_string(fp, a->v[i]);
		}
		fputs(a->n ? " ]" : "]", fp);
		break;
	case CONF_LIMIT_MAP:
		lv = *CONF_CFIELD(base, s, struct limit_entry *);
		n = CONF_CCOUNT(base, s);
		fputs("{", fp);
		for (i = 0; i < n; i++) {
			timescale_format(&lv[i].limit, buf, sizeof(buf));
			fprintf(fp, " %s = \"%s\";", lv[i].priority, buf);
		}
		fputs(" }", fp);
		break;
	case CONF_FLOAT_MAP:
		fv = *CONF_CFIELD(base, s, struct float_entry *);
		n = CONF_CCOUNT(base, s);
		fputs("{", fp);
		for (i = 0; i < n; i++)
			if (fv[i].file != NULL)
				fprintf(fp, " %s = \"%s\";", fv[i].name,
				    fv[i].file);
			else
				fprintf(fp, " %s = %g;", fv[i].name,
				    fv[i].value);
		fputs(" }", fp);
		break;
	case CONF_ENUM:
		fprintf(fp, "\"%s\"", s->choices[*CONF_CFIELD(base, s, int)]);
		break;
	}
	fclose(fp);
	return out;
}

static void
conf_print_table(FILE *fp, const char *prefix, const struct conf_setting *tab,
    size_t ntab, const void *base, const struct clock_conf *clock)
{
	char *v;
	size_t i;

	for (i = 0; i < ntab; i++) {
		/* An absent warning or escalation has no value to show. */
		if (clock != NULL &&
		    ((strcmp(tab[i].name, "warn_before") == 0 &&
		    !clock->has_warn) ||
		    (strcmp(tab[i].name, "escalate_after") == 0 &&
		    !clock->has_escalate) ||
		    (strcmp(tab[i].name, "route") == 0 &&
		    clock->route == NULL)))
			continue;
		v = conf_format_value(&tab[i], base, true);
		fprintf(fp, "%s%s = %s;\n", prefix, tab[i].name, v);
		free(v);
	}
}

void
config_print(const struct config *cfg, FILE *fp)
{
	const struct conf_setting *tab, *ttab;
	char prefix[128];
	size_t ntab, nttab, i;

	tab = config_settings(&ntab);
	conf_print_table(fp, "", tab, ntab, cfg, NULL);
	ttab = conf_team_settings(&nttab);
	for (i = 0; i < cfg->routes.nteams; i++) {
		snprintf(prefix, sizeof(prefix), "routes.teams.%s.",
		    cfg->routes.teams[i].team_id);
		conf_print_table(fp, prefix, ttab, nttab,
		    &cfg->routes.teams[i], NULL);
	}
	ttab = conf_named_route_settings(&nttab);
	for (i = 0; i < cfg->routes.nnamed; i++) {
		snprintf(prefix, sizeof(prefix), "routes.%s.",
		    cfg->routes.named[i].name);
		conf_print_table(fp, prefix, ttab, nttab,
		    &cfg->routes.named[i], NULL);
	}
	tab = config_clock_settings(&ntab);
	for (i = 0; i < cfg->nclocks; i++) {
		snprintf(prefix, sizeof(prefix), "clocks[%zu].", i);
		conf_print_table(fp, prefix, tab, ntab, &cfg->clocks[i],
		    &cfg->clocks[i]);
	}
	tab = config_repeat_settings(&ntab);
	for (i = 0; i < cfg->nrepeats; i++) {
		snprintf(prefix, sizeof(prefix), "repeats[%zu].", i);
		conf_print_table(fp, prefix, tab, ntab, &cfg->repeats[i], NULL);
	}
	tab = config_check_settings(&ntab);
	for (i = 0; i < cfg->nchecks; i++) {
		snprintf(prefix, sizeof(prefix), "checks[%zu].", i);
		conf_print_table(fp, prefix, tab, ntab, &cfg->checks[i], NULL);
	}
	tab = config_reason_settings(&ntab);
	for (i = 0; i < cfg->nreasons; i++) {
		snprintf(prefix, sizeof(prefix), "reasons[%zu].", i);
		conf_print_table(fp, prefix, tab, ntab, &cfg->reasons[i], NULL);
	}
}

int
config_unreloadable_changes(const struct config *old,
    const struct config *new_cfg, struct config_errors *errs)
{
	const struct conf_setting *tab;
	char *a, *b;
	size_t ntab, i;
	int n = 0;

	tab = config_settings(&ntab);
	for (i = 0; i < ntab; i++) {
		if (tab[i].reloadable)
			continue;
		a = conf_format_value(&tab[i], old, false);
		b = conf_format_value(&tab[i], new_cfg, false);
		/* Never the values: a conninfo may hold a password. */
		if (strcmp(a, b) != 0) {
			config_errors_add(errs, "%s: '%s' changed but takes "
			    "effect only after a restart; the old value stays "
			    "in force", new_cfg->path, tab[i].name);
			n++;
		}
		free(a);
		free(b);
	}
	return n;
}
