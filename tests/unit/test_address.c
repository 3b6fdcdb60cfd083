/*
 * The address parser: one routine for the config and mash.teams.  Tables
 * of what is an address, what is not, what a list of them yields, and the
 * allowed domains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/address.h"

#include "testutil.h"

static void
test_check(void **state)
{
	static const struct {
		const char		*in;
		enum address_verdict	 want;
	} cases[] = {
		{ "manager@example.org", ADDRESS_OK },
		{ "first.last+mash@sub.example.gov.uk", ADDRESS_OK },
		{ "o'brien@example.org", ADDRESS_OK },
		{ "mashwatch@localhost", ADDRESS_OK },
		{ "MANAGER@EXAMPLE.ORG", ADDRESS_OK },
		{ "", ADDRESS_MALFORMED },
		{ "manager", ADDRESS_MALFORMED },
		{ "@example.org", ADDRESS_MALFORMED },
		{ "manager@", ADDRESS_MALFORMED },
		{ "a@b@example.org", ADDRESS_MALFORMED },
		{ ".a@example.org", ADDRESS_MALFORMED },
		{ "a.@example.org", ADDRESS_MALFORMED },
		{ "a..b@example.org", ADDRESS_MALFORMED },
		{ "a@example..org", ADDRESS_MALFORMED },
		{ "a@.example.org", ADDRESS_MALFORMED },
		{ "a@example.org.", ADDRESS_MALFORMED },
		{ "a@-example.org", ADDRESS_MALFORMED },
		{ "a@example-.org", ADDRESS_MALFORMED },
		{ "a@exa_mple.org", ADDRESS_MALFORMED },
		{ "Name <a@example.org>", ADDRESS_MALFORMED },
		{ "<a@example.org>", ADDRESS_MALFORMED },
		{ "\"a\"@example.org", ADDRESS_MALFORMED },
		{ "a@example.org\r\nBcc: x@evil.example", ADDRESS_MALFORMED },
		{ "a@example.org\n", ADDRESS_MALFORMED },
		{ "a b@example.org", ADDRESS_MALFORMED },
		{ "a,b@example.org", ADDRESS_MALFORMED },
		{ "a@[127.0.0.1]", ADDRESS_MALFORMED },
		{ "caf\xc3\xa9@example.org", ADDRESS_MALFORMED },
		{ "a(comment)@example.org", ADDRESS_MALFORMED },
		{ "a@example.org (x)", ADDRESS_MALFORMED },
	};
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		if (address_check(cases[i].in, NULL) != cases[i].want)
			fail_msg("case %zu: \"%s\"", i, cases[i].in);
	}
}

static void
test_lengths(void **state)
{
	char local[70], dom[300], buf[400];

	(void)state;
	memset(local, 'a', sizeof(local));
	local[64] = '\0';
	snprintf(buf, sizeof(buf), "%s@example.org", local);
	assert_int_equal(address_check(buf, NULL), ADDRESS_OK);
	local[64] = 'a';
	local[65] = '\0';
	snprintf(buf, sizeof(buf), "%s@example.org", local);
	assert_int_equal(address_check(buf, NULL), ADDRESS_MALFORMED);
	/* A label of 64 characters is one too many. */
	memset(dom, 'd', 64);
	strcpy(dom + 64, ".org");
	snprintf(buf, sizeof(buf), "a@%s", dom);
	assert_int_equal(address_check(buf, NULL), ADDRESS_MALFORMED);
}

static void
test_domains(void **state)
{
	struct address_domains d;

	(void)state;
	assert_int_equal(address_domains_parse("example.org, Example.GOV.uk;"
	    " x.example", &d), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(address_check("a@example.org", &d), ADDRESS_OK);
	assert_int_equal(address_check("a@EXAMPLE.gov.UK", &d), ADDRESS_OK);
	assert_int_equal(address_check("a@evil.example", &d),
	    ADDRESS_FOREIGN);
	/* A sub-domain is not the domain. */
	assert_int_equal(address_check("a@sub.example.org", &d),
	    ADDRESS_FOREIGN);
	assert_int_equal(address_check("bad@", &d), ADDRESS_MALFORMED);
	address_domains_clear(&d);
	assert_int_equal(address_domains_parse("", &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(address_domains_parse("example.org, not a@domain",
	    &d), -1);
	assert_int_equal(d.n, 0);
}

static void
test_lists(void **state)
{
	static const struct {
		const char	*in;
		size_t		 ngood;
		size_t		 nbad;
		const char	*first_bad;
	} cases[] = {
		{ NULL, 0, 0, NULL },
		{ "", 0, 0, NULL },
		{ "a@example.org", 1, 0, NULL },
		{ "a@example.org, b@example.org; c@example.org", 3, 0, NULL },
		{ "a@example.org;;, ,b@example.org", 2, 0, NULL },
		{ "a@example.org, A@example.org", 1, 0, NULL },
		{ "a@example.org, not-an-address, b@evil.example", 1, 2,
		  "not-an-address" },
		{ "<a@example.org>", 0, 1, "<a@example.org>" },
		{ "a@example.org\x01\x02", 0, 1, "a@example.org??" },
	};
	struct address_domains d;

	(void)state;
	assert_int_equal(address_domains_parse("example.org", &d), 0);
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct address_set set = { 0 };

		address_parse_list(cases[i].in, &d, &set);
		if (set.ngood != cases[i].ngood || set.nbad != cases[i].nbad)
			fail_msg("case %zu: %zu good, %zu bad", i, set.ngood,
			    set.nbad);
		if (cases[i].first_bad != NULL)
			assert_string_equal(set.bad[0], cases[i].first_bad);
		address_set_clear(&set);
	}
	{
		struct address_set set = { 0 };

		address_parse_list("x@example.org, junk, y@other.example", &d,
		    &set);
		assert_int_equal(set.why[0], ADDRESS_MALFORMED);
		assert_int_equal(set.why[1], ADDRESS_FOREIGN);
		assert_non_null(strstr(address_verdict_text(set.why[1]),
		    "allowed_domains"));
		address_set_clear(&set);
	}
	address_domains_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
