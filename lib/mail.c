/*
 * RFC 5322 messages: headers cleaned and encoded, multipart/alternative
 * bodies in quoted-printable, attachments in base64, CRLF throughout.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/html.h"
#include "mashwatch/mail.h"
#include "mashwatch/xmalloc.h"

#include "mail_impl.h"

/* RFC 5322 allows 998; stay well inside the 78 it recommends where we can. */
#define QP_LINE		76
#define B64_LINE	76

struct part {
	char	*content_type;
	char	*filename;	/* for an inline part: its Content-ID */
	char	*data;
	size_t	 len;
	bool	 inline_;	/* shown in the HTML (multipart/related) */
};

struct mail {
	char		*from;
	char		*message_id;
	int64_t		 date;
	int		 utc_offset;
	char		**to;
	size_t		 nto;
	char		*subject;
	char		*text;
	char		*html;
	struct part	*parts;
	size_t		 nparts;
};

char *
mail_url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sbuf b = { 0 };

	sbuf_add(&b, "");
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			sbuf_addn(&b, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		sbuf_addn(&b, e, 3);
	}
	return sbuf_take(&b);
}

char *
mail_link(const char *tmpl, const char *child, const char *instance)
{
	struct sbuf b = { 0 };
	char *enc;

	if (tmpl == NULL || *tmpl == '\0')
		return NULL;
	sbuf_add(&b, "");
	while (*tmpl != '\0') {
		if (strncmp(tmpl, "{child}", 7) == 0) {
			enc = mail_url_encode(child);
			sbuf_add(&b, enc);
			free(enc);
			tmpl += 7;
		} else if (strncmp(tmpl, "{instance}", 10) == 0) {
			enc = mail_url_encode(instance);
			sbuf_add(&b, enc);
			free(enc);
			tmpl += 10;
		} else
			sbuf_addn(&b, tmpl++, 1);
	}
	return sbuf_take(&b);
}

const char *const mail_weekdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };
const char *const mail_months[12] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void
mail_format_date(int64_t t, int utc_offset, char *buf, size_t len)
{
	static const struct cal_date epoch = { 1970, 1, 1 };
	int64_t local = t + utc_offset;
	int64_t days = local / 86400 - (local % 86400 < 0);
	int64_t sec = local - days * 86400;
	struct cal_date d = cal_date_add_days(epoch, (int)days);
	int off = utc_offset < 0 ? -utc_offset : utc_offset;

	snprintf(buf, len, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
	    mail_weekdays[cal_date_weekday(d)], d.day, mail_months[d.month - 1],
	    d.year, (int)(sec / 3600), (int)(sec % 3600 / 60), (int)(sec % 60),
	    utc_offset < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
}

struct mail *
mail_new(const char *from, const char *message_id, int64_t date,
    int utc_offset)
{
	struct mail *m = xcalloc(1, sizeof(*m));

	m->from = mail_header_clean(from);
	m->message_id = mail_header_clean(message_id);
	m->date = date;
	m->utc_offset = utc_offset;
	return m;
}

void
mail_free(struct mail *m)
{
	if (m == NULL)
		return;
	free(m->from);
	free(m->message_id);
	for (size_t i = 0; i < m->nto; i++)
		free(m->to[i]);
	free(m->to);
	free(m->subject);
	free(m->text);
	free(m->html);
	for (size_t i = 0; i < m->nparts; i++) {
		free(m->parts[i].content_type);
		free(m->parts[i].filename);
		free(m->parts[i].data);
	}
	free(m->parts);
	free(m);
}

void
mail_add_to(struct mail *m, const char *address)
{
	m->to = xreallocarray(m->to, m->nto + 1, sizeof(*m->to));
	m->to[m->nto++] = mail_header_clean(address);
}

void
mail_set_subject(struct mail *m, const char *subject)
{
	free(m->subject);
	m->subject = mail_header_clean(subject);
}

void
mail_set_body(struct mail *m, const char *text, const char *html)
{
	free(m->text);
	free(m->html);
	m->text = xstrdup(text ? text : "");
	m->html = xstrdup(html);
}

void
mail_attach(struct mail *m, const char *content_type, const char *filename,
    const void *data, size_t len)
{
	struct part *p;

	m->parts = xreallocarray(m->parts, m->nparts + 1, sizeof(*m->parts));
	p = &m->parts[m->nparts++];
	p->content_type = mail_header_clean(content_type);
	p->filename = mail_header_clean(filename);
	/* Quotes and backslashes would end the quoted filename parameter. */
	for (char *c = p->filename; *c; c++)
		if (*c == '"' || *c == '\\')
			*c = '_';
	p->data = xmalloc(len ? len : 1);
	memcpy(p->data, data, len);
	p->len = len;
	p->inline_ = false;
}

void
mail_inline(struct mail *m, const char *content_type, const char *cid,
    const void *data, size_t len)
{
	mail_attach(m, content_type, cid, data, len);
	/* The id goes between angle brackets: keep them out of it. */
	for (char *c = m->parts[m->nparts - 1].filename; *c; c++)
		if (*c == '<' || *c == '>')
			*c = '_';
	m->parts[m->nparts - 1].inline_ = true;
}

static size_t
parts_count(const struct mail *m, bool inl)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nparts; i++)
		n += m->parts[i].inline_ == inl;
	return n;
}

/*
 * Quoted-printable (RFC 2045): keeps the bodies readable in the .eml files
 * and safe whatever the line lengths; line ends become CRLF.
 */
static void
sbuf_add_qp(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3];
		bool lineend = s[1] == '\n' || s[1] == '\0' ||
		    (s[1] == '\r' && s[2] == '\n');

		if (c == '\r' && s[1] == '\n')
			continue;
		if (c == '\n') {
			sbuf_add(b, "\r\n");
			col = 0;
			continue;
		}
		if (col >= QP_LINE - 3) {
			sbuf_add(b, "=\r\n");
			col = 0;
		}
		/* A trailing blank would be lost in transit; a lone '.' too. */
		if ((c >= 33 && c <= 126 && c != '=' &&
		    !(c == '.' && col == 0)) ||
		    ((c == ' ' || c == '\t') && !lineend)) {
			sbuf_addn(b, s, 1);
			col++;
			continue;
		}
		e[0] = '=';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		sbuf_addn(b, e, 3);
		col += 3;
	}
	sbuf_add(b, "\r\n");
}

static void
sbuf_add_b64_lines(struct sbuf *b, const char *data, size_t len)
{
	/* 57 input bytes make one 76-character line. */
	for (size_t at = 0; at < len; at += B64_LINE / 4 * 3) {
		size_t n = len - at < B64_LINE / 4 * 3 ? len - at :
		    B64_LINE / 4 * 3;

		sbuf_add_base64(b, (const unsigned char *)data + at, n);
		sbuf_add(b, "\r\n");
	}
}

/* A boundary that cannot occur in quoted-printable or base64 text. */
static void
boundary_make(const struct mail *m, const char *tag, char *buf, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = m->message_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, len, "=_mashwatch_%s_%016llx", tag, (unsigned long long)h);
}

static void
sbuf_add_alternative(struct sbuf *b, const struct mail *m)
{
	char bd[64];

	if (m->html == NULL) {
		sbuf_add(b, "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		sbuf_add_qp(b, m->text ? m->text : "");
		return;
	}
	boundary_make(m, "alt", bd, sizeof(bd));
	/* Folded: the boundary parameter would take the line past 78. */
	sbuf_printf(b, "Content-Type: multipart/alternative;\r\n "
	    "boundary=\"%s\"\r\n\r\n", bd);
	sbuf_printf(b, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", bd);
	sbuf_add_qp(b, m->text ? m->text : "");
	sbuf_printf(b, "--%s\r\n", bd);
	if (parts_count(m, true) > 0) {
		char rd[64];

		/* RFC 2387: the HTML and the images it shows by cid:. */
		boundary_make(m, "rel", rd, sizeof(rd));
		sbuf_printf(b, "Content-Type: multipart/related; "
		    "type=\"text/html\"; boundary=\"%s\"\r\n\r\n--%s\r\n",
		    rd, rd);
		sbuf_add(b, "Content-Type: text/html; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		sbuf_add_qp(b, m->html);
		for (size_t i = 0; i < m->nparts; i++) {
			const struct part *p = &m->parts[i];

			if (!p->inline_)
				continue;
			sbuf_printf(b, "--%s\r\nContent-Type: %s\r\n"
			    "Content-ID: <%s>\r\nContent-Disposition: inline"
			    "\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			    rd, p->content_type, p->filename);
			sbuf_add_b64_lines(b, p->data, p->len);
		}
		sbuf_printf(b, "--%s--\r\n", rd);
	} else {
		sbuf_add(b, "Content-Type: text/html; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		sbuf_add_qp(b, m->html);
	}
	sbuf_printf(b, "--%s--\r\n", bd);
}

char *
mail_render(const struct mail *m)
{
	struct sbuf b = { 0 };
	char date[40], bd[64], *subject;

	mail_format_date(m->date, m->utc_offset, date, sizeof(date));
	sbuf_printf(&b, "Date: %s\r\nFrom: %s\r\nTo: ", date, m->from);
	for (size_t i = 0; i < m->nto; i++)
		sbuf_printf(&b, "%s%s", i ? ",\r\n " : "", m->to[i]);
	if (m->nto == 0)
		sbuf_add(&b, "undisclosed-recipients:;");
	subject = mail_header_field("Subject", m->subject ? m->subject : "");
	sbuf_printf(&b, "\r\nMessage-ID: <%s>\r\n%s\r\n"
	    "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n",
	    m->message_id, subject);
	free(subject);
	if (parts_count(m, false) == 0) {
		sbuf_add_alternative(&b, m);
		return sbuf_take(&b);
	}
	boundary_make(m, "mixed", bd, sizeof(bd));
	sbuf_printf(&b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n"
	    "\r\n--%s\r\n", bd, bd);
	sbuf_add_alternative(&b, m);
	for (size_t i = 0; i < m->nparts; i++) {
		const struct part *p = &m->parts[i];

		if (p->inline_)
			continue;
		sbuf_printf(&b, "--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n", bd,
		    p->content_type, p->filename, p->filename);
		sbuf_add_b64_lines(&b, p->data, p->len);
	}
	sbuf_printf(&b, "--%s--\r\n", bd);
	return sbuf_take(&b);
}
