#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mashwatch/copytext.h"

#include "testutil.h"

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
	unsigned	 nuls;		/* fields holding a NUL, a bit each */
};

#define IN(lit)	lit, sizeof(lit) - 1

static const struct copytext_case cases[] = {
	{ "plain", IN("1\tabc\tdef"), 3, 3, { F("1"), F("abc"), F("def") }, 0 },
	{ "one field", IN("only"), 1, 1, { F("only") }, 0 },
	{ "empty line is one empty field", IN(""), 1, 1, { F("") }, 0 },
	{ "empty fields", IN("\t\t"), 3, 3, { F(""), F(""), F("") }, 0 },
	{ "null alone", IN("\\N"), 1, 1, { NUL_F }, 0 },
	{ "nulls around", IN("\\N\tx\t\\N"), 3, 3, { NUL_F, F("x"), NUL_F }, 0 },
	{ "null vs empty", IN("\\N\t"), 2, 2, { NUL_F, F("") }, 0 },
	{ "backslash N inside a field is N", IN("a\\Nb\t\\NN"), 2, 2,
	    { F("aNb"), F("NN") }, 0 },
	{ "escaped backslash then N is text", IN("\\\\N"), 1, 1, { F("\\N") }, 0 },
	{ "control escapes", IN("\\b\\f\\n\\r\\t\\v"), 1, 1,
	    { F("\b\f\n\r\t\v") }, 0 },
	{ "embedded tab and newline", IN("a\\tb\tc\\nd"), 2, 2,
	    { F("a\tb"), F("c\nd") }, 0 },
	{ "backslash", IN("a\\\\b\t\\\\"), 2, 2, { F("a\\b"), F("\\") }, 0 },
	{ "plain after escaped: moved, then left in place", IN("ab\tc\\\\d\tef\tg"),
	  4, 4, { F("ab"), F("c\\d"), F("ef"), F("g") }, 0 },
	{ "octal", IN("\\101\\0601\\7"), 1, 1, { F("A01\a") }, 0 },
	{ "octal nul", IN("a\\000b"), 1, 1, { F("a\0b") }, 0x1 },
	{ "raw nul in the second field", IN("a\tb\0c\td"), 3, 3,
	    { F("a"), F("b\0c"), F("d") }, 0x2 },
	{ "raw nul after an escape", IN("a\\tb\tc\0"), 2, 2,
	    { F("a\tb"), F("c\0") }, 0x2 },
	{ "nuls in two fields, first and last", IN("\0\tx\t\\0"), 3, 3,
	    { F("\0"), F("x"), F("\0") }, 0x5 },
	{ "octal wraps to a byte", IN("\\777"), 1, 1, { F("\377") }, 0 },
	{ "hex", IN("\\x41\\x4a\\x4Bz\\x7"), 1, 1, { F("AJKz\a") }, 0 },
	{ "hex two digits at most", IN("\\x414"), 1, 1, { F("A4") }, 0 },
	{ "x without hex is x", IN("\\xg\t\\x"), 2, 2, { F("xg"), F("x") }, 0 },
	{ "other escaped bytes are themselves", IN("\\a\\.\\\"\\'"), 1, 1,
	    { F("a.\"'") }, 0 },
	{ "high bytes kept", IN("caf\xc3\xa9\t\xff\xfe"), 2, 2,
	    { F("caf\xc3\xa9"), F("\xff\xfe") }, 0 },
	{ "escaped high byte", IN("\\\xc3\xa9"), 1, 1, { F("\xc3\xa9") }, 0 },
	{ "too few fields", IN("a\tb"), 3, -1, { NUL_F }, 0 },
	{ "too many fields", IN("a\tb\tc"), 2, -1, { NUL_F }, 0 },
	{ "trailing tab is an extra field", IN("a\t"), 1, -1, { NUL_F }, 0 },
	{ "lone trailing backslash", IN("ab\\"), 1, -1, { NUL_F }, 0 },
	{ "no fields wanted", IN("a"), 0, -1, { NUL_F }, 0 },
	{ "more fields than the limit", IN("a"), COPYTEXT_MAX_FIELDS + 1, -1,
	    { NUL_F }, 0 },
	{ "six fields", IN("1\t2\t3\t4\t5\t\\N"), 6, 6,
	    { F("1"), F("2"), F("3"), F("4"), F("5"), NUL_F }, 0 },
};

static void
test_copytext_table(void **state)
{
	char buf[256];
	char *fields[MAXF];
	size_t lens[MAXF];
	size_t i;
	unsigned nuls;
	int j, got;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		const struct copytext_case *tc = &cases[i];

		print_message("  %s\n", tc->name);
		assert_true(tc->inlen < sizeof(buf));
		memcpy(buf, tc->in, tc->inlen);
		buf[tc->inlen] = 'Z';	/* must be overwritten or ignored */
		got = copytext_split(buf, tc->inlen, fields, lens, tc->nfields,
		    &nuls);
		assert_int_equal(got, tc->want);
		if (got >= 0)
			assert_int_equal(nuls, tc->nuls);
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
	unsigned nuls;

	(void)state;
	buf[4] = 'Z';
	assert_int_equal(copytext_split(buf, 4, fields, lens, 2, &nuls), 2);
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
