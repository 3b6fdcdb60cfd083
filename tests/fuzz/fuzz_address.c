/*
 * libFuzzer target: the address parser.  Whatever the bytes, every
 * address it accepts is printable ASCII with one '@', no blank, comma,
 * semicolon, angle bracket or quote, and is accepted again on its own; the
 * good and bad parts of a list never hold a separator.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct address_domains d = { 0 };
	struct address_set set = { 0 };
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	if (address_check(s, NULL) == ADDRESS_OK &&
	    (strpbrk(s, " ,;<>\"\r\n\t") != NULL || strchr(s, '@') !=
	    strrchr(s, '@')))
		abort();
	(void)address_domains_parse("example.org", &d);
	address_parse_list(s, &d, &set);
	for (size_t i = 0; i < set.ngood; i++) {
		for (const char *c = set.good[i]; *c; c++)
			if ((unsigned char)*c <= ' ' || (unsigned char)*c > 0x7e)
				abort();
		if (address_check(set.good[i], &d) != ADDRESS_OK)
			abort();
	}
	for (size_t i = 0; i < set.nbad; i++)
		if (strpbrk(set.bad[i], ",; \t\r\n") != NULL)
			abort();
	address_set_clear(&set);
	address_domains_clear(&d);
	free(s);
	return 0;
}
