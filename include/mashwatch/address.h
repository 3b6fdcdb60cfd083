/*
 * Email addresses (mashwatch.conf(5), Addresses): the one routine that decides
 * whether a string is an address mashwatch will send to, for the config
 * and for mash.teams alike.
 *
 * Accepted: a plain local@domain, nothing else (no display name, no
 * comment, no quotes, no angle brackets): the local part a dot-atom of
 * RFC 5322 atext, at most 64 bytes; the domain dot-separated labels of
 * letters, digits and hyphens, at most 253 bytes.  When allowed domains
 * are given, the domain must equal one of them (case-insensitively).
 */
#ifndef MASHWATCH_ADDRESS_H
#define MASHWATCH_ADDRESS_H

#include <stddef.h>

enum address_verdict {
	ADDRESS_OK,
	ADDRESS_MALFORMED,	/* not a plain local@domain */
	ADDRESS_FOREIGN,	/* well formed, outside the allowed domains */
};

/* Domains the addresses must be in; n == 0 allows every domain. */
struct address_domains {
	char	**v;
	size_t	  n;
};

/* What one string of addresses held: the good ones, and the rest. */
struct address_set {
	char			**good;		/* deduplicated, in order */
	size_t			  ngood;
	char			**bad;		/* as written, cleaned of controls */
	enum address_verdict	 *why;
	size_t			  nbad;
};

/* The verdict on a (NUL-terminated) s. */
enum address_verdict address_check(const char *s,
    const struct address_domains *allowed);

/*
 * Split s at commas, semicolons and blanks (mash.teams may hold several
 * addresses in one field) and check each part, appending to out (which
 * the caller zeroes first and frees with address_set_clear).  A NULL s
 * adds nothing.
 */
void address_parse_list(const char *s, const struct address_domains *allowed,
    struct address_set *out);
void address_set_clear(struct address_set *set);

/*
 * Parse a list of domains ("example.org, example.gov.uk") into out (freed
 * with address_domains_clear).  Returns -1 and leaves out empty if one is
 * not a domain name.
 */
int address_domains_parse(const char *s, struct address_domains *out);
void address_domains_clear(struct address_domains *d);

/* "not an email address", "not in notify.allowed_domains". */
const char *address_verdict_text(enum address_verdict v);

#endif
