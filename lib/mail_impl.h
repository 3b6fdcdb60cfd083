/*
 * Inside the mail module: shared by lib/mail*.c only, never installed.
 * mail_sbuf.c (this string) is below mail_header.c (fields), mail.c (the
 * message) and mail_compose.c (what an alert email says), in that order.
 */
#ifndef MASHWATCH_MAIL_IMPL_H
#define MASHWATCH_MAIL_IMPL_H

#include <stddef.h>

/* A growable string; s is always NUL-terminated once anything is added. */
struct sbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append the base64 of p[0..n) (RFC 4648, padded, unwrapped). */
void sbuf_add_base64(struct sbuf *b, const unsigned char *p, size_t n);
/* Append s HTML-escaped. */
void sbuf_add_html(struct sbuf *b, const char *s);
/* The string (never NULL); the buffer is left empty. */
char *sbuf_take(struct sbuf *b);

#endif
