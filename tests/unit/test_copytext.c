#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/copytext.h"

#define MAXF	6

struct field {
	const char	*s;	/* NULL: SQL NULL */
	size_t		 n;
};

/* F("a\0b") keeps embedded NULs; NUL_F is SQL NULL. */
#define F(lit)	{ lit, sizeof(lit) - 1 }
#define NUL_F	{ NULL, 0 }

struct copytext_case {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	int		 nfields;
	int		 want;
	struct field	 out[MAXF];
};

#define IN(lit)	lit, sizeof(lit) - 1

static const struct copytext_case cases[] = {
	{ "plain", IN("1\tabc\tdef"), 3, 3, { F("1"), F("abc"), F("def") } },
	{ "one field", IN("only"), 1, 1, { F("only") } },
	{ "empty line is one empty field", IN(""), 1, 1, { F("") } },
	{ "empty fields", IN("\t\t"), 3, 3, { F(""), F(""), F("") } },
	{ "null alone", IN("\\N"), 1, 1, { NUL_F } },
	{ "nulls around", IN("\\N\tx\t\\N"), 3, 3, { NUL_F, F("x"), NUL_F } },
	{ "null vs empty", IN("\\N\t"), 2, 2, { NUL_F, F("") } },
	{ "backslash N inside a field is N", IN("a\\Nb\t\\NN"), 2, 2,
	    { F("aNb"), F("NN") } },
	{ "escaped backslash then N is text", IN("\\\\N"), 1, 1, { F("\\N") } },
	{ "control escapes", IN("\\b\\f\\n\\r\\t\\v"), 1, 1,
	    { F("\b\f\n\r\t\v") } },
	{ "embedded tab and newline", IN("a\\tb\tc\\nd"), 2, 2,
	    { F("a\tb"), F("c\nd") } },
	{ "backslash", IN("a\\\\b\t\\\\"), 2, 2, { F("a\\b"), F("\\") } },
	{ "plain after escaped: moved, then left in place", IN("ab\tc\\\\d\tef\tg"),
	  4, 4, { F("ab"), F("c\\d"), F("ef"), F("g") } },
	{ "octal", IN("\\101\\0601\\7"), 1, 1, { F("A01\a") } },
	{ "octal nul", IN("a\\000b"), 1, 1, { F("a\0b") } },
	{ "octal wraps to a byte", IN("\\777"), 1, 1, { F("\377") } },
	{ "hex", IN("\\x41\\x4a\\x4Bz\\x7"), 1, 1, { F("AJKz\a") } },
	{ "hex two digits at most", IN("\\x414"), 1, 1, { F("A4") } },
	{ "x without hex is x", IN("\\xg\t\\x"), 2, 2, { F("xg"), F("x") } },
	{ "other escaped bytes are themselves", IN("\\a\\.\\\"\\'"), 1, 1,
	    { F("a.\"'") } },
	{ "high bytes kept", IN("caf\xc3\xa9\t\xff\xfe"), 2, 2,
	    { F("caf\xc3\xa9"), F("\xff\xfe") } },
	{ "escaped high byte", IN("\\\xc3\xa9"), 1, 1, { F("\xc3\xa9") } },
	{ "too few fields", IN("a\tb"), 3, -1, { NUL_F } },
	{ "too many fields", IN("a\tb\tc"), 2, -1, { NUL_F } },
	{ "trailing tab is an extra field", IN("a\t"), 1, -1, { NUL_F } },
	{ "lone trailing backslash", IN("ab\\"), 1, -1, { NUL_F } },
	{ "no fields wanted", IN("a"), 0, -1, { NUL_F } },
	{ "fields at the limit", IN("1\t2\t3\t4\t5\t\\N"), 6, 6,
	    { F("1"), F("2"), F("3"), F("4"), F("5"), NUL_F } },
};

static void
test_copytext_table(void **state)
{
	char buf[256];
	char *fields[MAXF];
	size_t lens[MAXF];
	size_t i;
	int j, got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct copytext_case *tc = &cases[i];

		print_message("  %s\n", tc->name);
		assert_true(tc->inlen < sizeof(buf));
		memcpy(buf, tc->in, tc->inlen);
		buf[tc->inlen] = 'Z';	/* must be overwritten or ignored */
		got = copytext_split(buf, tc->inlen, fields, lens, tc->nfields);
		assert_int_equal(got, tc->want);
		for (j = 0; j < got; j++) {
			if (tc->out[j].s == NULL) {
				assert_null(fields[j]);
				assert_int_equal(lens[j], 0);
				continue;
			}
			assert_non_null(fields[j]);
			assert_int_equal(lens[j], tc->out[j].n);
			assert_memory_equal(fields[j], tc->out[j].s,
			    tc->out[j].n);
			assert_int_equal(fields[j][lens[j]], '\0');
		}
	}
}

/* Every field stays inside line[0..len], terminator included. */
static void
test_copytext_stays_in_buffer(void **state)
{
	char buf[8] = "ab\tc";
	char *fields[2];
	size_t lens[2];

	(void)state;
	buf[4] = 'Z';
	assert_int_equal(copytext_split(buf, 4, fields, lens, 2), 2);
	assert_ptr_equal(fields[0], buf);
	assert_string_equal(fields[1], "c");
	assert_true(fields[1] + lens[1] <= buf + 4);
	assert_int_equal(buf[4], '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copytext_table),
		cmocka_unit_test(test_copytext_stays_in_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
