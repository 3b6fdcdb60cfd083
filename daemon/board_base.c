/*
 * What every board file uses, below them all: the snapshot's string arena,
 * the hashes that stamp what a snapshot was built from, the order of
 * teams, the helpers of the renderers and the reply with the headers
 * every answer carries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "mashwatch/mail.h"
#include "mashwatch/strmap.h"
#include "mashwatch/xmalloc.h"

#include "board_impl.h"

/* Strings of one snapshot, carved from 64 KB blocks, freed at once. */
struct board_arena {
	struct board_arena	*next;
	size_t			 used, size;
	char			 data[];
};

static void *
arena_alloc(struct board_arena **a, size_t n)
{
	struct board_arena *blk = *a;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (blk == NULL || blk->used + n > blk->size) {
		size_t size = n > 65536 ? n : 65536;

		blk = xmalloc(sizeof(*blk) + size);
		blk->size = size;
		blk->used = 0;
		blk->next = *a;
		*a = blk;
	}
	p = blk->data + blk->used;
	blk->used += n;
	return p;
}

const char *
board_arena_strdup(struct board_arena **a, const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = arena_alloc(a, n);
	memcpy(p, s, n);
	return p;
}

void
board_arena_free(struct board_arena *a)
{
	while (a != NULL) {
		struct board_arena *next = a->next;

		free(a);
		a = next;
	}
}

uint64_t
board_hash_mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t w;

	/* A word at a time: the snapshot hashes every open clock's strings. */
	for (; n >= 8; c += 8, n -= 8) {
		memcpy(&w, c, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	for (w = n; n > 0; n--)		/* the tail, after its length */
		w = w << 8 | *c++;
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

uint64_t
board_hash_str(uint64_t h, const char *s)
{
	return board_hash_mix(h, s ? s : "\x01", s ? strlen(s) + 1 : 1);
}

/* Teams in order, the team-less ("") last. */
int
board_team_cmp(const char *a, const char *b)
{
	if (*a == '\0' || *b == '\0')
		return (*a == '\0') - (*b == '\0');
	return strcmp(a, b);
}

/* Helpers for the renderers. */

const struct board_alert *
board_alert_of(const struct board_view *v, const char *rule,
    const char *instance_id)
{
	char key[2 * MODEL_MAX_ID + 80];
	const struct board_alert *a;
	int n;

	if (v->alerts == NULL)
		return NULL;
	n = snprintf(key, sizeof(key), "%s\x1f%s", rule, instance_id);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	a = strmap_get(v->alerts, key, (size_t)n);
	/* Raised while the child was in another team's hands. */
	if (a != NULL && v->foreign != NULL && strcmp(a->team_id, v->team) != 0)
		*v->foreign = true;
	return a;
}

bool
board_item_shown(const struct board_view *v, const struct board_item *it)
{
	if (v->filter.clock != NULL && strcmp(it->clock->name,
	    v->filter.clock) != 0)
		return false;
	return v->filter.state < 0 || (int)it->state == v->filter.state;
}

void
board_format_time(const struct calendar *cal, int64_t t, bool with_time,
    char *buf, size_t len)
{
	struct cal_date d;
	int64_t local;

	if (t == TIME_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	d = calendar_date_of(cal, t);
	local = t + calendar_utc_offset(cal, t);
	local = (local % 86400 + 86400) % 86400;
	if (with_time)
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", d.year, d.month,
		    d.day, (int)(local / 3600), (int)(local % 3600 / 60));
	else
		snprintf(buf, len, "%04d-%02d-%02d", d.year, d.month, d.day);
}

void
board_lateness(const struct board_view *v, const struct board_item *it,
    char *buf, size_t len)
{
	struct mail_context ctx = { .cal = v->cal, .now = v->now };
	struct mail_item mi;
	int64_t d;

	if (it->hourly) {
		d = v->now - it->due_at;
		if (d < 0)
			snprintf(buf, len, "due in %lld h %02lld min",
			    (long long)(-d / 3600), (long long)(-d % 3600 / 60));
		else
			snprintf(buf, len, "%lld h %02lld min late",
			    (long long)(d / 3600), (long long)(d % 3600 / 60));
		return;
	}
	memset(&mi, 0, sizeof(mi));
	mi.rule = it->clock->name;
	mi.level = "overdue";
	mi.due_at = it->due_at;
	mi.started_at = it->started_at;
	mi.stopped_at = mi.fired_at = mi.first_sent_at = TIME_NONE;
	mail_item_lateness(&ctx, &mi, buf, len);
}

const char *
board_state_label(enum clock_state s)
{
	switch (s) {
	case CS_ON_TIME:
		return "on time";
	case CS_DUE_SOON:
		return "due soon";
	case CS_OVERDUE:
		return "overdue";
	case CS_ESCALATED:
		return "escalated";
	default:
		return clock_state_name(s);
	}
}

/* Requests. */

void
board_reply(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; "
	    "script-src 'self'; style-src 'unsafe-inline'; connect-src "
	    "'self'; form-action 'self'; frame-ancestors 'none'; "
	    "base-uri 'none'");
	evhttp_send_reply(req, code, reason, body);
}

void
board_text(struct evhttp_request *req, int code, const char *reason,
    const char *line)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "%s\n", line);
	board_reply(req, code, reason, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}
