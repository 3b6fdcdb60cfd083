/*
 * Header fields that every relay accepts (RFC 5322 section 2.2.3, RFC
 * 2047): the value cleaned of CR, LF and other controls, folded at blanks
 * so that lines stay within 78 characters where a word allows it, and
 * turned into encoded words when it holds 8-bit bytes, a word too long
 * for one line, or something a reader would take for an encoded word.
 * Encoded words can be split anywhere between characters, so no line is
 * ever longer than 78, let alone the 998 the standard allows.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/mail.h"
#include "mashwatch/xmalloc.h"

#include "mail_impl.h"

#define LINE_SOFT	78
/* "=?UTF-8?B?" + at most 60 base64 characters + "?=": 72 of the 75. */
#define EW_OPEN		"=?UTF-8?B?"
#define EW_OVERHEAD	12
#define EW_B64_MAX	60

/* Bytes of s (len left) that fit in max without splitting a character. */
static size_t
utf8_fit(const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	/* Not UTF-8 at all: split where we must rather than loop. */
	return n > 0 ? n : (len < max ? len : max);
}

/* A word longer than its line (the first shares it with the name). */
static bool
needs_encoding(const char *s, size_t first_room, size_t room)
{
	size_t word = 0;
	bool first = true;

	if (strstr(s, "=?") != NULL)
		return true;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return true;
		if (*s == ' ') {
			word = 0;
			first = false;
			continue;
		}
		if (++word > (first ? first_room : room))
			return true;
	}
	return false;
}

char *
mail_header_field(const char *name, const char *value)
{
	struct sbuf b = { 0 };
	char *clean = mail_header_clean(value);
	size_t col, start, len = strlen(clean), at, n, room;
	const char *p, *w;

	sbuf_printf(&b, "%s:", name);
	start = col = strlen(name) + 1;
	if (len == 0)
		goto out;
	if (start + 1 >= LINE_SOFT || !needs_encoding(clean,
	    LINE_SOFT - start - 1, LINE_SOFT - 1)) {
		for (p = clean; *p != '\0'; p = *w ? w + 1 : w) {
			w = strchr(p, ' ');
			if (w == NULL)
				w = p + strlen(p);
			n = (size_t)(w - p);
			/* Never before the first word (an empty first line). */
			if (p != clean && col + 1 + n > LINE_SOFT) {
				sbuf_add(&b, "\r\n");
				col = 0;
			}
			sbuf_add(&b, " ");
			sbuf_addn(&b, p, n);
			col += 1 + n;
		}
		goto out;
	}
	/* Encoded words, each as long as the line has room for. */
	for (at = 0; at < len; at += n) {
		if (col + 1 + EW_OVERHEAD + 4 > LINE_SOFT) {
			sbuf_add(&b, "\r\n");
			col = 0;
		}
		room = (LINE_SOFT - col - 1 - EW_OVERHEAD) / 4 * 4;
		if (room > EW_B64_MAX)
			room = EW_B64_MAX;
		n = utf8_fit(clean + at, len - at, room / 4 * 3);
		sbuf_add(&b, " " EW_OPEN);
		sbuf_add_base64(&b, (const unsigned char *)clean + at, n);
		sbuf_add(&b, "?=");
		col += 1 + EW_OVERHEAD + (n + 2) / 3 * 4;
	}
out:
	free(clean);
	return sbuf_take(&b);
}

char *
mail_header_clean(const char *s)
{
	struct sbuf b = { 0 };
	bool space = false;

	sbuf_add(&b, "");
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		/* CR and LF would end the header: the injection this stops. */
		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = true;
			continue;
		}
		if (space && b.len > 0)
			sbuf_add(&b, " ");
		space = false;
		sbuf_addn(&b, s, 1);
	}
	return sbuf_take(&b);
}
