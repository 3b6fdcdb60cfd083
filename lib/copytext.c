#include <stdbool.h>
#include <stddef.h>

#include "mashwatch/copytext.h"

static int
copytext_hex(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Decoding only ever shrinks a field, so the write position w never passes
 * the read position r and one pass in place suffices.  A field's
 * terminator is written where the decoded text ends, after its delimiter
 * (or line[len]) has been read.
 */
int
copytext_split(char *line, size_t len, char **fields, size_t *lens,
    int nfields, unsigned *nuls)
{
	size_t r = 0, w = 0, start;
	unsigned char ch;
	int n = 0, v, d, i;
	bool isnull;

	*nuls = 0;
	if (nfields <= 0 || nfields > COPYTEXT_MAX_FIELDS)
		return -1;
	for (;;) {
		if (n == nfields)
			return -1;
		start = w;
		/* \N is NULL only as the whole raw field. */
		isnull = len - r >= 2 && line[r] == '\\' && line[r + 1] == 'N' &&
		    (len - r == 2 || line[r + 2] == '\t');
		/*
		 * Most fields have no escapes: while nothing has shrunk, the
		 * text up to the first escape stays where it is.  Fields are
		 * short, so a plain loop beats a library call per field.
		 */
		if (w == r && !isnull) {
			while (r < len && line[r] != '\t' &&
			    line[r] != '\\' && line[r] != '\0')
				r++;
			w = r;
		}
		while (r < len && line[r] != '\t') {
			ch = (unsigned char)line[r++];
			if (ch != '\\') {
				if (ch == '\0')
					*nuls |= 1u << n;
				line[w++] = (char)ch;
				continue;
			}
			if (r == len)
				return -1;
			ch = (unsigned char)line[r++];
			switch (ch) {
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'v': ch = '\v'; break;
			case '0': case '1': case '2': case '3':
			case '4': case '5': case '6': case '7':
				/* Up to three octal digits, as the server reads them. */
				v = ch - '0';
				for (i = 0; i < 2 && r < len && line[r] >= '0' &&
				    line[r] <= '7'; i++)
					v = v * 8 + (line[r++] - '0');
				ch = (unsigned char)(v & 0xff);
				break;
			case 'x':
				/* \x without a hex digit is a plain x. */
				if (r < len &&
				    (d = copytext_hex((unsigned char)line[r])) >= 0) {
					v = d;
					r++;
					if (r < len && (d = copytext_hex(
					    (unsigned char)line[r])) >= 0) {
						v = v * 16 + d;
						r++;
					}
					ch = (unsigned char)v;
				}
				break;
			default:
				break;
			}
			if (ch == '\0')
				*nuls |= 1u << n;
			line[w++] = (char)ch;
		}
		if (isnull) {
			fields[n] = NULL;
			lens[n] = 0;
		} else {
			fields[n] = line + start;
			lens[n] = w - start;
		}
		n++;
		if (r == len) {
			line[w] = '\0';
			break;
		}
		r++;			/* the tab */
		line[w++] = '\0';
	}
	return n == nfields ? n : -1;
}
