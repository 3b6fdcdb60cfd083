/*
 * termtext (mashwatch/termtext.h) as tables: what an operator's terminal
 * is shown of a note, and which notes the board refuses.
 */
#include <stdlib.h>

#include "testutil.h"

#include "mashwatch/termtext.h"

static void
test_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "called the school", "called the school" },
		{ "", "" },
		{ "two\nlines", "two\\nlines" },
		{ "crlf\r\n", "crlf\\r\\n" },
		{ "tab\there", "tab\\there" },
		{ "back\\slash", "back\\\\slash" },
		{ "\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07" },
		{ "del\x7f", "del\\x7f" },
		{ "nul-less \x01\x1f", "nul-less \\x01\\x1f" },
		/* C1 CSI (U+009B) in UTF-8, and a lone C1 byte. */
		{ "c1 \xc2\x9b" "31m", "c1 \\xc2\\x9b31m" },
		{ "raw \x9b", "raw \\x9b" },
		/* UTF-8 text stays as it is. */
		{ "Zo\xc3\xab \xe2\x80\x94 caf\xc3\xa9 \xf0\x9f\x98\x80",
		  "Zo\xc3\xab \xe2\x80\x94 caf\xc3\xa9 \xf0\x9f\x98\x80" },
		/* Overlong, surrogate, truncated: bytes, escaped. */
		{ "\xc0\xaf", "\\xc0\\xaf" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },
		{ "cut \xe2\x80", "cut \\xe2\\x80" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *got = termtext_escape(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got %s, want %s", i, got,
			    cases[i].want);
		free(got);
	}
	{
		char *got = termtext_escape(NULL);

		assert_string_equal(got, "");
		free(got);
	}
}

/* The whole-text form (check-source) keeps line breaks, nothing else. */
static void
test_escape_lines(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "view  rows\nclocks  12\n", "view  rows\nclocks  12\n" },
		{ "clock \x1b[2Jx\n", "clock \\x1b[2Jx\n" },
		{ "crlf\r\n", "crlf\\r\n" },
		{ "tab\there\n", "tab\\there\n" },
		{ "c1 \xc2\x9b" "31m\n", "c1 \\xc2\\x9b31m\n" },
		{ "caf\xc3\xa9\n", "caf\xc3\xa9\n" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *got = termtext_escape_lines(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got %s, want %s", i, got,
			    cases[i].want);
		free(got);
	}
}

static void
test_has_control(void **state)
{
	static const struct {
		const char *in;
		bool want;
	} cases[] = {
		{ "called the school", false },
		{ "line one\nline two", false },
		{ "line one\r\nline two\r\n", false },
		{ "caf\xc3\xa9 \xe2\x80\x94 ok", false },
		{ "", false },
		{ "bare\rreturn", true },
		{ "tab\t", true },
		{ "\x1b[31mred", true },
		{ "bell\x07", true },
		{ "del\x7f", true },
		{ "c1 \xc2\x9b", true },
		{ "latin1 \xe9", true },
		{ "\xc0\xaf", true },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		if (termtext_has_control(cases[i].in) != cases[i].want)
			fail_msg("case %zu: %s", i, cases[i].in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_lines),
		cmocka_unit_test(test_has_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
