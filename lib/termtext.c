/*
 * Control characters out of text for a terminal (mashwatch/termtext.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/termtext.h"
#include "mashwatch/xmalloc.h"

/*
 * The length of the valid UTF-8 sequence at p that is not a C1 control,
 * or 0: a C1 control (C2 80..C2 9F), a bad lead or continuation byte, an
 * overlong form, a surrogate or a code point past U+10FFFF.
 */
static size_t
utf8_ok(const unsigned char *p)
{
	size_t n;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* termtext_escape, and with lines termtext_escape_lines. */
static char *
escape(const char *s, bool lines)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), o = 0, n;
	char *out = xmalloc(4 * len + 1);

	while (*p) {
		n = utf8_ok(p);
		if (n > 1 || (n == 1 && *p >= 0x20 && *p != 0x7f &&
		    *p != '\\') || (lines && *p == '\n')) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
			continue;
		}
		out[o++] = '\\';
		switch (*p) {
		case '\\':
			out[o++] = '\\';
			break;
		case '\n':
			out[o++] = 'n';
			break;
		case '\r':
			out[o++] = 'r';
			break;
		case '\t':
			out[o++] = 't';
			break;
		default:
			o += (size_t)snprintf(out + o, 4, "x%02x", *p);
			break;
		}
		p++;
	}
	out[o] = '\0';
	return out;
}

char *
termtext_escape(const char *s)
{
	return escape(s, false);
}

char *
termtext_escape_lines(const char *s)
{
	return escape(s, true);
}

bool
termtext_has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	while (*p) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		if ((n = utf8_ok(p)) == 0 || (n == 1 && (*p < 0x20 ||
		    *p == 0x7f)))
			return true;
		p += n;
	}
	return false;
}
