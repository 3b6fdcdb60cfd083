/*
 * The address parser of include/mashwatch/address.h.  Deliberately
 * narrow: what it accepts can go into a To header and an SMTP RCPT TO
 * unquoted, and cannot carry a second recipient, a header or a command.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mashwatch/address.h"
#include "mashwatch/xmalloc.h"

#define LOCAL_MAX	64
#define DOMAIN_MAX	253
#define LABEL_MAX	63

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 5322 atext. */
static bool
is_atext(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-",
	    c) != NULL);
}

static bool
local_ok(const char *s, size_t len)
{
	if (len == 0 || len > LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
			continue;
		}
		if (!is_atext((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool
domain_ok(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > LABEL_MAX ||
			    s[i - 1] == '-' || s[i - label] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
			return false;
		label++;
	}
	return true;
}

enum address_verdict
address_check(const char *s, const struct address_domains *allowed)
{
	const char *at = strrchr(s, '@');
	size_t dlen;

	if (at == NULL || !local_ok(s, (size_t)(at - s)))
		return ADDRESS_MALFORMED;
	dlen = strlen(at + 1);
	if (!domain_ok(at + 1, dlen))
		return ADDRESS_MALFORMED;
	if (allowed == NULL || allowed->n == 0)
		return ADDRESS_OK;
	for (size_t i = 0; i < allowed->n; i++)
		if (strcasecmp(at + 1, allowed->v[i]) == 0)
			return ADDRESS_OK;
	return ADDRESS_FOREIGN;
}

static void
push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

/* What is shown of a bad token: controls become '?', at most 200 bytes. */
static char *
shown(const char *s)
{
	size_t len = strlen(s) > 200 ? 200 : strlen(s);
	char *c = xmalloc(len + 1);

	for (size_t i = 0; i < len; i++)
		c[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	c[len] = '\0';
	return c;
}

void
address_parse_list(const char *s, const struct address_domains *allowed,
    struct address_set *out)
{
	static const char seps[] = ",; \t\r\n";
	char *copy, *tok, *p;
	enum address_verdict v;
	bool dup;

	if (s == NULL)
		return;
	copy = xstrdup(s);
	for (tok = strtok_r(copy, seps, &p); tok != NULL;
	    tok = strtok_r(NULL, seps, &p)) {
		v = address_check(tok, allowed);
		if (v == ADDRESS_OK) {
			dup = false;
			for (size_t i = 0; i < out->ngood && !dup; i++)
				dup = strcasecmp(out->good[i], tok) == 0;
			if (!dup)
				push(&out->good, &out->ngood, tok);
			continue;
		}
		out->why = xreallocarray(out->why, out->nbad + 1,
		    sizeof(*out->why));
		out->why[out->nbad] = v;
		out->bad = xreallocarray(out->bad, out->nbad + 1,
		    sizeof(*out->bad));
		out->bad[out->nbad++] = shown(tok);
	}
	free(copy);
}

void
address_set_clear(struct address_set *set)
{
	for (size_t i = 0; i < set->ngood; i++)
		free(set->good[i]);
	for (size_t i = 0; i < set->nbad; i++)
		free(set->bad[i]);
	free(set->good);
	free(set->bad);
	free(set->why);
	memset(set, 0, sizeof(*set));
}

int
address_domains_parse(const char *s, struct address_domains *out)
{
	char *copy, *tok, *p;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return 0;
	copy = xstrdup(s);
	for (tok = strtok_r(copy, ",; \t", &p); tok != NULL;
	    tok = strtok_r(NULL, ",; \t", &p)) {
		if (!domain_ok(tok, strlen(tok))) {
			address_domains_clear(out);
			goto out;
		}
		push(&out->v, &out->n, tok);
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

void
address_domains_clear(struct address_domains *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

const char *
address_verdict_text(enum address_verdict v)
{
	switch (v) {
	case ADDRESS_OK:
		return "a usable address";
	case ADDRESS_FOREIGN:
		return "not in notify.allowed_domains";
	default:
		return "not an email address (write local@domain)";
	}
}
