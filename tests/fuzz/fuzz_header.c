/*
 * libFuzzer target: the header writer.  Whatever the bytes of a value,
 * mail_header_field() must give lines of at most 78 characters, each
 * continuation starting with a blank, no CR or LF but the CRLF between
 * lines, and no byte above 0x7e or below 0x20 but those (the 8-bit text
 * goes into encoded words).  A whole message with that subject renders,
 * to that address if it is one (the product sends only to addresses that
 * address_check passed, with Message-IDs of its own making).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/address.h"
#include "mashwatch/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = malloc(size + 1), *h, *msg;
	const char *p, *e;
	struct mail *m;

	memcpy(value, data, size);
	value[size] = '\0';
	h = mail_header_field("Subject", value);
	for (p = h;; p = e + 2) {
		e = strstr(p, "\r\n");
		if ((size_t)((e ? e : p + strlen(p)) - p) > 78)
			abort();
		for (const char *c = p; c < (e ? e : p + strlen(p)); c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				abort();
		if (e == NULL)
			break;
		if (e[2] != ' ')
			abort();
	}
	m = mail_new("mashwatch@example.org", "mashwatch.fuzz@example.org", 0, 0);
	mail_add_to(m, address_check(value, NULL) == ADDRESS_OK ? value :
	    "manager@example.org");
	mail_set_subject(m, value);
	mail_set_body(m, value, value);
	msg = mail_render(m);
	/* Every line of the whole message within 998 and ended by CRLF. */
	for (p = msg; *p != '\0'; p = e + 2) {
		if ((e = strstr(p, "\r\n")) == NULL || e - p > 998)
			abort();
		for (const char *c = p; c < e; c++)
			if (*c == '\r' || *c == '\n')
				abort();
	}
	free(msg);
	mail_free(m);
	free(h);
	free(value);
	return 0;
}
