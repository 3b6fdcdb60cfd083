/*
 * Reading one value of each conf_type from libconfig into the field a
 * table entry points at: type checks, bounds, timescales, addresses,
 * times of day, and the refusal of a secret in a file others can read.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <libconfig.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include "mashwatch/address.h"
#include "mashwatch/config.h"
#include "mashwatch/xmalloc.h"
#include "config_private.h"

/* A map's count follows its array: the reader writes both through offset. */
_Static_assert(offsetof(struct clock_conf, nlimits) ==
    offsetof(struct clock_conf, limits) + sizeof(struct limit_entry *),
    "nlimits must follow limits");
_Static_assert(offsetof(struct config, report.ncomparators) ==
    offsetof(struct config, report.comparators) + sizeof(struct float_entry *),
    "ncomparators must follow comparators");

static bool
conf_ident_ok(const char *s)
{
	size_t i;

	if (!(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 0; s[i]; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return i <= 63;
}

bool
conf_address_ok(const char *a)
{
	return address_check(a, NULL) == ADDRESS_OK;
}

static bool
conf_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return true;
	return false;
}

/*
 * Where the value of a "password" key ends: in a URI's query at '&' or
 * '#'; in libpq's key=value form at a blank, a backslash escaping the
 * character after it, or at the closing quote of a quoted value (with
 * its escapes).  Never before the value's true end: a mask that stops
 * early shows the rest of the password.
 */
static const char *
conf_secret_end(const char *q, bool uri)
{
	if (uri)
		return q + strcspn(q, "&#");
	if (*q == '\'') {
		for (q++; *q && *q != '\''; q++)
			if (*q == '\\' && q[1])
				q++;
		return *q ? q + 1 : q;
	}
	for (; *q && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r'; q++)
		if (*q == '\\' && q[1])
			q++;
	return q;
}

bool
conf_secret_find(const char *s, size_t from, size_t *b, size_t *e)
{
	const char *p, *q, *end, *at, *colon, *scheme = strstr(s, "://");
	const char *eq = strchr(s, '=');
	/* A URI (postgresql://..., smtp://...): its query is key=value&... */
	bool uri = scheme != NULL && (eq == NULL || scheme < eq);

	for (p = s + from; *p; p++) {
		if (strncasecmp(p, "password", 8) == 0) {
			q = p + 8 + (uri ? 0 : strspn(p + 8, " \t"));
			if (*q == '=') {
				q++;
				if (!uri)
					q += strspn(q, " \t");
				*b = (size_t)(q - s);
				*e = (size_t)(conf_secret_end(q, uri) - s);
				if (*e > *b)
					return true;
			}
		}
		if (strncmp(p, "://", 3) == 0) {
			q = p + 3;
			end = q + strcspn(q, "/?#");
			at = NULL;
			for (const char *r = q; r < end; r++)
				if (*r == '@')
					at = r;
			colon = at ? memchr(q, ':', (size_t)(at - q)) : NULL;
			if (colon != NULL && colon + 1 < at &&
			    (size_t)(colon + 1 - s) >= from) {
				*b = (size_t)(colon + 1 - s);
				*e = (size_t)(at - s);
				return true;
			}
		}
	}
	return false;
}

/*
 * A secret may only sit in a file nobody else can read (README.md, Security).
 * The file is the one the node came from, which @include may make another.
 */
static void
conf_check_secret(struct conf_loader *ld, const config_setting_t *node,
    const char *name, const char *value)
{
	struct stat st;
	size_t b, e;
	char *file;

	if (!conf_secret_find(value, 0, &b, &e))
		return;
	file = conf_source_file(ld, node);
	if (stat(file, &st) == -1 || (st.st_mode & S_IROTH))
		conf_err(ld, node, "'%s' holds a password but %s is readable "
		    "by others: refused; move the password to a file only "
		    "mashwatch can read (for libpq ~/.pgpass or the service "
		    "file) or chmod o-r %s", name, file, file);
	free(file);
}

/* "H:MM" or "HH:MM", 00:00 to 23:59, as minutes after midnight. */
static int
conf_parse_time(const char *s, int *minutes)
{
	int h = 0, m, i = 0;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	for (; isdigit((unsigned char)s[i]) && i < 2; i++)
		h = h * 10 + (s[i] - '0');
	if (s[i] != ':' || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]) || s[i + 3] != '\0')
		return -1;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

static const char *
conf_type_want(enum conf_type t)
{
	switch (t) {
	case CONF_INT:
		return "a whole number";
	case CONF_FLOAT:
		return "a number";
	case CONF_BOOL:
		return "true or false, without quotes";
	case CONF_WEEKDAYS:
		return "a list such as [ \"Mon\", \"Tue\" ]";
	case CONF_ADDRESSES:
		return "an address or a list such as [ \"a@example.org\" ]";
	case CONF_HOSTS:
		return "an IP address or a list such as [ \"127.0.0.1\" ]";
	case CONF_DOMAINS:
		return "a list such as [ \"example.org\" ]";
	case CONF_LIMIT_MAP:
	case CONF_FLOAT_MAP:
		return "a group such as { name = value; }";
	default:
		return "a string in double quotes";
	}
}

/* An IPv4 or IPv6 address in numeric form (CONF_HOSTS). */
static bool
conf_host_ok(const char *a)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, a, buf) == 1 ||
	    inet_pton(AF_INET6, a, buf) == 1;
}

static int
conf_read_addresses(struct conf_loader *ld, const char *name,
    const config_setting_t *node, struct addresses *out, bool hosts)
{
	const config_setting_t *el;
	const char *a;
	int i, n, ret = -1;

	if (config_setting_type(node) == CONFIG_TYPE_STRING) {
		n = 1;
		el = node;
	} else if (config_setting_is_array(node) ||
	    config_setting_is_list(node)) {
		n = config_setting_length(node);
		el = NULL;
	} else {
		conf_err(ld, node, "'%s' must be %s", name,
		    conf_type_want(hosts ? CONF_HOSTS : CONF_ADDRESSES));
		goto out;
	}
	out->v = xcalloc((size_t)n, sizeof(*out->v));
	out->n = 0;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = el ? el :
		    config_setting_get_elem(node, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(ld, e, "'%s' must list addresses in "
			    "double quotes", name);
			goto out;
		}
		a = config_setting_get_string(e);
		if (hosts && !conf_host_ok(a)) {
			conf_err(ld, e, "'%s': \"%s\" is not an IP address; "
			    "write e.g. \"127.0.0.1\" or \"::1\", one per "
			    "string", name, a);
			goto out;
		}
		if (!hosts && !conf_address_ok(a)) {
			conf_err(ld, e, "'%s': \"%s\" is not an email "
			    "address; write local@domain, one per string",
			    name, a);
			goto out;
		}
		out->v[out->n++] = xstrdup(a);
	}
	ret = 0;
out:
	return ret;
}

/*
 * CONF_DOMAINS: a list of strings, as every other list in the file, or
 * (as before) one string of them; stored joined by ", " for the one parser
 * of the words (address_domains_parse).  A list element holds one word.
 */
static int
conf_read_words(struct conf_loader *ld, const char *name,
    const config_setting_t *node, char **out)
{
	const char *w;
	char *joined = NULL, *tmp;
	int n, ret = -1;

	if (config_setting_type(node) == CONFIG_TYPE_STRING) {
		w = config_setting_get_string(node);
		if (conf_has_control(w)) {
			conf_err(ld, node, "'%s' must not contain control "
			    "characters", name);
			goto out;
		}
		joined = xstrdup(w);
	} else if (config_setting_is_array(node) ||
	    config_setting_is_list(node)) {
		joined = xstrdup("");
		n = config_setting_length(node);
		for (int i = 0; i < n; i++) {
			const config_setting_t *e =
			    config_setting_get_elem(node, (unsigned)i);

			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				conf_err(ld, e, "'%s' must list names in double "
				    "quotes", name);
				goto out;
			}
			w = config_setting_get_string(e);
			if (*w == '\0' || strpbrk(w, ",; \t") != NULL ||
			    conf_has_control(w)) {
				conf_err(ld, e, "'%s': \"%s\" is not one name; "
				    "write one per string", name, w);
				goto out;
			}
			tmp = xasprintf("%s%s%s", joined, i ? ", " : "", w);
			free(joined);
			joined = tmp;
		}
	} else {
		conf_err(ld, node, "'%s' must be %s", name,
		    conf_type_want(CONF_DOMAINS));
		goto out;
	}
	free(*out);
	*out = joined;
	joined = NULL;
	ret = 0;
out:
	free(joined);
	return ret;
}

static int
conf_read_map(struct conf_loader *ld, const struct conf_setting *s,
    const char *name, const config_setting_t *node, void *field)
{
	struct limit_entry *lv = NULL;
	struct float_entry *fv = NULL;
	const config_setting_t *m;
	char err[256];
	int i, n = 0, ret = -1;
	bool limits = s->type == CONF_LIMIT_MAP;

	if (!config_setting_is_group(node)) {
		conf_err(ld, node, "'%s' must be %s", name,
		    conf_type_want(s->type));
		goto out;
	}
	n = config_setting_length(node);
	if (limits)
		lv = xcalloc((size_t)n, sizeof(*lv));
	else
		fv = xcalloc((size_t)n, sizeof(*fv));
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(node, (unsigned)i);
		if (limits) {
			lv[i].priority = xstrdup(config_setting_name(m));
			if (config_setting_type(m) != CONFIG_TYPE_STRING) {
				conf_err(ld, m, "'%s.%s' must be a timescale "
				    "in double quotes, e.g. \"24 hours\"", name,
				    config_setting_name(m));
				goto out;
			}
			if (timescale_parse(config_setting_get_string(m),
			    TS_ALLOW_LIMIT, &lv[i].limit, err,
			    sizeof(err)) == -1) {
				conf_err(ld, m, "'%s.%s': %s", name,
				    config_setting_name(m), err);
				goto out;
			}
			continue;
		}
		fv[i].name = xstrdup(config_setting_name(m));
		/*
		 * A path instead of a number: the value is read from that
		 * file when it is needed (the region's median), not here,
		 * so that a missing file never stops the daemon starting.
		 */
		if (config_setting_type(m) == CONFIG_TYPE_STRING) {
			const char *path = config_setting_get_string(m);

			if (path[0] != '/') {
				conf_err(ld, m, "'%s.%s' must be a number or "
				    "an absolute path in double quotes", name,
				    config_setting_name(m));
				goto out;
			}
			fv[i].file = xstrdup(path);
			fv[i].value = NAN;
			continue;
		}
		if (!config_setting_is_number(m)) {
			conf_err(ld, m, "'%s.%s' must be a number or an "
			    "absolute path in double quotes", name,
			    config_setting_name(m));
			goto out;
		}
		fv[i].value = config_setting_get_float(m);
		if (config_setting_type(m) != CONFIG_TYPE_FLOAT)
			fv[i].value = (double)config_setting_get_int64(m);
		if (fv[i].value < s->min || fv[i].value > s->max) {
			conf_err(ld, m, "'%s.%s' must be between %g and %g",
			    name, config_setting_name(m), s->min, s->max);
			goto out;
		}
	}
	if (limits) {
		*(struct limit_entry **)field = lv;
		lv = NULL;
	} else {
		*(struct float_entry **)field = fv;
		fv = NULL;
	}
	*(size_t *)(void *)((char *)field + sizeof(void *)) = (size_t)n;
	ret = 0;
out:
	for (i = 0; lv != NULL && i < n; i++)
		free(lv[i].priority);
	for (i = 0; fv != NULL && i < n; i++) {
		free(fv[i].name);
		free(fv[i].file);
	}
	free(lv);
	free(fv);
	return ret;
}

int
conf_read_value(struct conf_loader *ld, const struct conf_setting *s,
    const char *name, const config_setting_t *node, void *base)
{
	const char *str = NULL;
	struct addresses addrs = { NULL, 0 };
	struct timescale ts;
	long long iv;
	double dv;
	unsigned mask = 0;
	char err[256];
	int i, n, ret = -1;

	switch (s->type) {
	case CONF_STRING:
	case CONF_IDENT:
	case CONF_PATH:
	case CONF_TIME_OF_DAY:
	case CONF_LIMIT:
	case CONF_WINDOW:
	case CONF_AGE:
	case CONF_ENUM:
		if (config_setting_type(node) != CONFIG_TYPE_STRING) {
			conf_err(ld, node, "'%s' must be %s", name,
			    conf_type_want(s->type));
			goto out;
		}
		str = config_setting_get_string(node);
		if (conf_has_control(str)) {
			conf_err(ld, node, "'%s' must not contain control "
			    "characters", name);
			goto out;
		}
		break;
	default:
		break;
	}

	switch (s->type) {
	case CONF_STRING:
	case CONF_IDENT:
	case CONF_PATH:
		if (strlen(str) < (size_t)s->min) {
			conf_err(ld, node, "'%s' must not be empty", name);
			goto out;
		}
		if (s->type == CONF_IDENT && *str && !conf_ident_ok(str)) {
			conf_err(ld, node, "'%s': \"%s\" is not a name; use "
			    "a-z, 0-9 and _, not starting with a digit, at "
			    "most 63 bytes", name, str);
			goto out;
		}
		if (s->secret_ok)
			conf_check_secret(ld, node, name, str);
		free(*CONF_FIELD(base, s, char *));
		if (s->type == CONF_PATH && *str && *str != '/')
			*CONF_FIELD(base, s, char *) = xasprintf("%s/%s",
			    ld->dir, str);
		else
			*CONF_FIELD(base, s, char *) = xstrdup(str);
		break;
	case CONF_INT:
	case CONF_FLOAT:
		if (!config_setting_is_number(node) || (s->type == CONF_INT &&
		    config_setting_type(node) == CONFIG_TYPE_FLOAT)) {
			conf_err(ld, node, "'%s' must be %s", name,
			    conf_type_want(s->type));
			goto out;
		}
		if (config_setting_type(node) == CONFIG_TYPE_FLOAT)
			dv = config_setting_get_float(node);
		else {
			iv = config_setting_get_int64(node);
			dv = iv < -1e15 ? -1e15 : iv > 1e15 ? 1e15 : (double)iv;
		}
		if (dv < s->min || dv > s->max) {
			conf_err(ld, node, "'%s' must be between %g and %g, "
			    "not %g", name, s->min, s->max, dv);
			goto out;
		}
		if (s->type == CONF_INT)
			*CONF_FIELD(base, s, int) = (int)dv;
		else
			*CONF_FIELD(base, s, double) = dv;
		break;
	case CONF_BOOL:
		if (config_setting_type(node) != CONFIG_TYPE_BOOL) {
			conf_err(ld, node, "'%s' must be %s", name,
			    conf_type_want(s->type));
			goto out;
		}
		*CONF_FIELD(base, s, bool) = config_setting_get_bool(node);
		break;
	case CONF_TIME_OF_DAY:
		if (conf_parse_time(str, &i) == -1) {
			conf_err(ld, node, "'%s': \"%s\" is not a time of "
			    "day; write \"HH:MM\" from \"00:00\" to \"23:59\"",
			    name, str);
			goto out;
		}
		*CONF_FIELD(base, s, int) = i;
		break;
	case CONF_LIMIT:
	case CONF_WINDOW:
	case CONF_AGE:
		if (timescale_parse(str, s->type == CONF_LIMIT ?
		    TS_ALLOW_LIMIT : s->type == CONF_AGE ? TS_ALLOW_AGE :
		    TS_ALLOW_WINDOW, &ts, err,
		    sizeof(err)) == -1) {
			conf_err(ld, node, "'%s': %s", name, err);
			goto out;
		}
		*CONF_FIELD(base, s, struct timescale) = ts;
		break;
	case CONF_WEEKDAYS:
		if (!config_setting_is_array(node) &&
		    !config_setting_is_list(node)) {
			conf_err(ld, node, "'%s' must be %s", name,
			    conf_type_want(s->type));
			goto out;
		}
		n = config_setting_length(node);
		for (i = 0; i < n; i++) {
			const char *d = config_setting_get_string_elem(node,
			    (unsigned)i);
			int w;

			for (w = 0; d != NULL && w < 7; w++)
				if (strcasecmp(d, conf_weekday_names[w]) == 0)
					break;
			if (d == NULL || w == 7) {
				conf_err(ld, node, "'%s': \"%s\" is not a "
				    "weekday; write \"Mon\" to \"Sun\"", name,
				    d ? d : "?");
				goto out;
			}
			mask |= 1u << w;
		}
		if (mask == 0) {
			conf_err(ld, node, "'%s' must name at least one "
			    "day", name);
			goto out;
		}
		*CONF_FIELD(base, s, unsigned) = mask;
		break;
	case CONF_ADDRESSES:
	case CONF_HOSTS:
		if (conf_read_addresses(ld, name, node, &addrs,
		    s->type == CONF_HOSTS) == -1)
			goto out;
		*CONF_FIELD(base, s, struct addresses) = addrs;
		addrs.v = NULL;
		addrs.n = 0;
		break;
	case CONF_DOMAINS:
		if (conf_read_words(ld, name, node,
		    CONF_FIELD(base, s, char *)) == -1)
			goto out;
		break;
	case CONF_LIMIT_MAP:
	case CONF_FLOAT_MAP:
		if (conf_read_map(ld, s, name, node,
		    CONF_FIELD(base, s, void)) == -1)
			goto out;
		break;
	case CONF_ENUM:
		for (i = 0; s->choices[i] != NULL; i++)
			if (strcmp(str, s->choices[i]) == 0)
				break;
		if (s->choices[i] == NULL) {
			char want[256] = "";
			size_t used = 0;

			for (i = 0; s->choices[i] && used < sizeof(want); i++)
				used += (size_t)snprintf(want + used,
				    sizeof(want) - used, "%s\"%s\"",
				    i == 0 ? "" : s->choices[i + 1] ? ", " :
				    " or ", s->choices[i]);
			conf_err(ld, node, "'%s': \"%s\" is not allowed; "
			    "write %s", name, str, want);
			goto out;
		}
		*CONF_FIELD(base, s, int) = i;
		break;
	}
	ret = 0;
out:
	for (size_t k = 0; k < addrs.n; k++)
		free(addrs.v[k]);
	free(addrs.v);
	return ret;
}

void
conf_read_default(struct conf_loader *ld, const struct conf_setting *s,
    void *base)
{
	config_t cf;
	char *doc;

	config_init(&cf);
	doc = xasprintf("v = %s;", s->def);
	if (config_read_string(&cf, doc) != CONFIG_TRUE)
		conf_err(ld, NULL, "bad built-in default of '%s': %s",
		    s->name, config_error_text(&cf));
	else
		conf_read_value(ld, s, s->name,
		    config_lookup(&cf, "v"), base);
	free(doc);
	config_destroy(&cf);
}

