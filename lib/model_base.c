/*
 * What every part of the model uses, below them all: a clock's state at an
 * instant, the check on text from the source, a row's stable reference, and
 * the queue of transitions (model_push) with their JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mashwatch/model.h"
#include "mashwatch/xmalloc.h"

#include "model_impl.h"

enum clock_state
clock_state_at(int64_t now, int64_t started_at, int64_t stopped_at,
    int64_t warn_at, int64_t due_at, int64_t escalate_at)
{
	(void)started_at;
	if (stopped_at != TIME_NONE && stopped_at <= now)
		return stopped_at < due_at ? CS_MET : CS_MET_LATE;
	if (escalate_at != TIME_NONE && now >= escalate_at)
		return CS_ESCALATED;
	if (now >= due_at)
		return CS_OVERDUE;
	if (warn_at != TIME_NONE && now >= warn_at)
		return CS_DUE_SOON;
	return CS_ON_TIME;
}

/*
 * Why text from the source cannot be used, or NULL.  Invalid UTF-8 would
 * corrupt JSON and email; an enormous identifier is a broken mapping, not
 * a case reference.
 */
const char *
model_check_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;

	if (s == NULL || *s == '\0')
		return "is missing";
	while (*p) {
		unsigned c = *p;
		int extra;
		unsigned cp;

		if (++len > max)
			return "is too long";
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			extra = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			extra = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			extra = 3;
			cp = c & 0x07;
		} else
			return "is not valid UTF-8";
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (*p & 0x3f);
			len++;
		}
		/* Overlong forms, surrogates and beyond U+10FFFF. */
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return "is not valid UTF-8";
	}
	return NULL;
}

struct transition *
model_push(struct model *m, enum transition_kind kind, const char *rule,
    const char *instance_id)
{
	struct transition *t;

	if (m->ntrans == m->cap_trans) {
		m->cap_trans = m->cap_trans ? m->cap_trans * 2 : 64;
		m->trans = xreallocarray(m->trans, m->cap_trans,
		    sizeof(*m->trans));
	}
	t = &m->trans[m->ntrans++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->rule = xstrdup(rule);
	t->instance_id = xstrdup(instance_id);
	t->started_at = t->due_at = t->fired_at = TIME_NONE;
	t->stopped_at = t->resolved_at = TIME_NONE;
	return t;
}

char *
model_json(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(obj);
	return s ? s : xstrdup("{}");
}

void
model_row_ref(const char *const *fields, size_t nfields, const int64_t *times,
    size_t ntimes, char *buf, size_t len)
{
	/* FNV-1a, 64 bits: stable across runs and builds. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < nfields; i++) {
		const unsigned char *p = (const unsigned char *)fields[i];
		/* NULL and empty differ: a tag byte before each field. */
		h = (h ^ (p == NULL ? 0u : 1u)) * 0x100000001b3ULL;
		for (; p != NULL && *p; p++)
			h = (h ^ *p) * 0x100000001b3ULL;
		h = (h ^ 0x1f) * 0x100000001b3ULL;
	}
	for (size_t i = 0; i < ntimes; i++)
		for (int b = 0; b < 8; b++)
			h = (h ^ (((uint64_t)times[i] >> (8 * b)) & 0xff)) *
			    0x100000001b3ULL;
	snprintf(buf, len, "row:%016" PRIx64, h);
}
