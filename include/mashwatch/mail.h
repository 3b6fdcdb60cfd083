/*
 * Alert emails (mashwatchd(8)), pure: items and "now" in, an RFC 5322
 * multipart/alternative message (text and HTML, optional attachments) out.
 *
 * Emails carry case references, ids and links only, never a child's name
 * or a case note from the source; an acknowledgement's note (written by
 * whoever acknowledged) is shown as written, escaped.
 * Every header value is stripped of CR, LF and other controls and encoded
 * (RFC 2047) when it is not ASCII; every string in the HTML is escaped.
 */
#ifndef MASHWATCH_MAIL_H
#define MASHWATCH_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mashwatch/calendar.h"

/* A message under construction. */
struct mail;

/*
 * A message from `from` dated `date`, with Message-ID <message_id> (given
 * without the angle brackets; it is cleaned like any header).  utc_offset
 * (seconds east) is used for the Date header.  Free with mail_free.
 */
struct mail *mail_new(const char *from, const char *message_id, int64_t date,
    int utc_offset);
void mail_free(struct mail *m);
void mail_add_to(struct mail *m, const char *address);
void mail_set_subject(struct mail *m, const char *subject);
/* Both bodies are copied; html may be NULL for text only. */
void mail_set_body(struct mail *m, const char *text, const char *html);
/* An attachment (the report's CSV): the bytes are copied and base64ed. */
void mail_attach(struct mail *m, const char *content_type,
    const char *filename, const void *data, size_t len);
/*
 * An inline part the HTML shows as <img src="cid:CID"> (the report's
 * charts): the HTML and these go in one multipart/related.
 */
void mail_inline(struct mail *m, const char *content_type, const char *cid,
    const void *data, size_t len);
/* The whole message with CRLF line ends; the caller frees it. */
char *mail_render(const struct mail *m);

/* Helpers, exported for the tests and the report. */

/* s with CR, LF, tabs and controls turned into single spaces, trimmed. */
char *mail_header_clean(const char *s);
/*
 * "Name: value" without the final CRLF, as it goes into a message: the
 * value cleaned, folded (RFC 5322) at blanks so that lines stay within 78
 * characters, or as RFC 2047 encoded words when it holds 8-bit bytes or a
 * word longer than a line; never a line over 78, never a bare CR or LF.
 */
char *mail_header_field(const char *name, const char *value);
/* Percent-encode everything but RFC 3986 unreserved characters. */
char *mail_url_encode(const char *s);
/*
 * The link template with {child} and {instance} replaced by their URL
 * encodings; NULL when the template is empty.
 */
char *mail_link(const char *tmpl, const char *child, const char *instance);
/* "Thu, 14 Apr 2022 10:00:00 +0100" into buf (at least 32 bytes). */
void mail_format_date(int64_t t, int utc_offset, char *buf, size_t len);
/* "Sun".."Sat" (0 = Sunday, as cal_date_weekday) and "Jan".."Dec". */
extern const char *const mail_weekdays[7];
extern const char *const mail_months[12];

/* What an email is about. */
enum mail_kind {
	MAIL_ALERTS,		/* new and resolved alerts for one route */
	MAIL_DIGEST,		/* the morning reminder */
	MAIL_ESCALATION,	/* escalated alerts, to the escalation route */
	MAIL_DATA_QUALITY,	/* invalid rows and failed deliveries */
	MAIL_TEST,		/* mashwatchctl test-email */
	MAIL_BACKLOG,		/* what was open at go-live, one per route */
};

/* Which part of a digest an item is in (0 in any other email). */
enum mail_part {
	MAIL_PART_NEW,		/* new since the last email, held ones too */
	MAIL_PART_OPEN,		/* still open and not acknowledged */
	MAIL_PART_RESOLVED,	/* resolved since the last digest */
};

/* One row of an email's table.  Strings are borrowed; NULL is "none". */
struct mail_item {
	long long	 alert_id;
	const char	*rule;		/* clock, repeat rule or check name */
	const char	*label;		/* its configured label, or NULL */
	const char	*level;		/* due_soon, overdue, escalated, ... */
	bool		 resolved;	/* a 'resolved' outbox row */
	const char	*resolution;	/* met, met_late, withdrawn, ... */
	const char	*instance_id;
	const char	*child_id;
	const char	*team_id;
	const char	*team_name;
	const char	*worker_id;
	int64_t		 started_at;	/* TIME_NONE-like: INT64_MIN when unknown */
	int64_t		 due_at;
	int64_t		 stopped_at;
	int64_t		 fired_at;
	const char	*detail;	/* data quality: the reason */
	bool		 unrouted;	/* its team has no address: sent to the default */
	int64_t		 first_sent_at;	/* escalation: when the item was first sent */
	const char	*first_sent_to;	/* ... and to whom */
	int		 part;		/* enum mail_part, for a digest */
	bool		 hourly;	/* urgent: its limit is in hours */
	const char	*priority;
	const char	*acked_by;	/* acknowledgement, if any */
	int64_t		 acked_at;
	const char	*ack_note;
	const char	*ack_reason;	/* the reason's label (or code), if any */
	int		 count;		/* repeat: events; caseload: cases */
	const char	*window;	/* repeat: "3 months" */
	const char	*events;	/* repeat: "C1, C2, C3" */
	const char	*kind;		/* repeat: its events' kind, "contact" */
	const char	*sources;	/* repeat: "police 2, school 1", or NULL */
};

struct mail_context {
	const struct calendar	*cal;
	const char		*link;		/* notify.link */
	int64_t			 now;
	const char		*route_title;	/* "team MASH (Front door)", ... */
	size_t			 max_items;	/* notify.max_items; 0: no limit */
	/*
	 * A digest's "Arrived out of hours" (handover.h), listed first and
	 * in full: the clocks of this route that started while the office
	 * was closed, each with rule, label, instance_id, child_id, team_id,
	 * started_at, due_at (hourly for an hour-based limit) and
	 * stopped_at (INT64_MIN while it runs).  Ignored by other kinds.
	 */
	const struct mail_item	*handover;
	size_t			 nhandover;
};

/* A data-quality email lists at most this many references. */
#define MAIL_DQ_REFS	50

struct mail_content {
	char	*subject;
	char	*text;
	char	*html;
};

/*
 * Subject and both bodies of an email of `kind` listing items (in the order
 * given), at most ctx->max_items of them, then "and N more".  A
 * MAIL_DATA_QUALITY email opens with counts per view and reason over all
 * n items and lists at most MAIL_DQ_REFS references.  A MAIL_BACKLOG
 * email (everything open when mashwatch went live, for one route) is
 * titled as the backlog at go-live and opens with the counts per clock
 * and level over all n items.  The subject counts all n.  The caller frees the content with mail_content_clear.
 */
void mail_compose(const struct mail_context *ctx, enum mail_kind kind,
    const struct mail_item *items, size_t n, struct mail_content *out);
void mail_content_clear(struct mail_content *c);

/*
 * How late item is, in words: "3 working days late", "due today",
 * "decided 2 working days late", "decided in time".  Into buf.
 */
void mail_item_lateness(const struct mail_context *ctx,
    const struct mail_item *it, char *buf, size_t len);

#endif
