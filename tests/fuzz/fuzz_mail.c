/*
 * The mail header and address code of lib/mail.c: a cleaned or encoded
 * header never carries CR, LF or a control; HTML escaping leaves no markup;
 * a rendered message's header section is CRLF lines, each a header or a
 * continuation, whatever the subject, addresses and Message-ID were.
 * Folding and the address parser have targets of their own
 * (fuzz_header.c, fuzz_address.c).
 */
#include <stdbool.h>

#include "fuzz.h"

#include "mashwatch/html.h"
#include "mashwatch/mail.h"

/* No control but, when folded is true, a fold (CRLF then a space). */
static void
check_header_value(const char *s, bool folded)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (folded && p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 2;
			continue;
		}
		FZ_CHECK(*p >= 0x20 && *p != 0x7f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size, { 0 }, 0 };
	const char *subject = fz_str(&f), *to = fz_str(&f), *id = fz_str(&f);
	const char *from = fz_str(&f), *text = fz_str(&f), *tmpl = fz_str(&f);
	char *s, *msg, *end, *line, *next;
	struct mail *m;

	s = mail_header_clean(subject);
	check_header_value(s, false);
	free(s);
	/* Exactly the markup characters have an entity (lib/html.c). */
	for (const char *p = text; *p; p++)
		FZ_CHECK((html_entity(*p) != NULL) ==
		    (strchr("&<>\"'", *p) != NULL));
	s = mail_url_encode(text);
	for (const char *p = s; *p; p++)
		FZ_CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-._~%", *p) != NULL);
	free(s);
	free(mail_link(tmpl, to, id));

	m = mail_new(from, id, fz_i64(&f) % 100000000000LL,
	    (int)(fz_u8(&f) % 48 - 24) * 1800);
	mail_add_to(m, to);
	mail_add_to(m, fz_str(&f));
	mail_set_subject(m, subject);
	mail_set_body(m, text, fz_u8(&f) & 1 ? text : NULL);
	msg = mail_render(m);
	/* The header section: up to the first empty line, CRLF lines only. */
	end = strstr(msg, "\r\n\r\n");
	FZ_CHECK(end != NULL);
	*end = '\0';
	for (line = msg; line != NULL; line = next) {
		next = strstr(line, "\r\n");
		if (next != NULL) {
			*next = '\0';
			next += 2;
		}
		FZ_CHECK(strchr(line, '\r') == NULL && strchr(line, '\n') == NULL);
		FZ_CHECK(line[0] == ' ' || line[0] == '\t' ||
		    (strchr(line, ':') != NULL && line[0] != ':'));
	}
	free(msg);
	mail_free(m);
	fz_done(&f);
	return 0;
}
