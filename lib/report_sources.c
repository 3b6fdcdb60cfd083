/*
 * Who makes repeat contacts (issue 26): as report_add_event streams a
 * child's events past, the ones a repeat rule counts are kept with their
 * source; when the child is folded and reached the rule's min, its
 * contacts are counted by source (and the child once per source), and the
 * days between one contact and the next go into a histogram for the
 * median gap.  Below report.c, which calls it; the writers are in
 * report_partners.c.
 */
#include <stdlib.h>
#include <string.h>

#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

/* Sources by name, "not recorded" (NULL) last. */
static int
source_cmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	return strcmp(a, b);
}

void
report_sources_push(struct report_repeat *rp, const char *source, int64_t at)
{
	if (rp->ncur == rp->capcur) {
		rp->capcur = rp->capcur ? rp->capcur * 2 : 8;
		rp->cur_ev = xreallocarray(rp->cur_ev, rp->capcur,
		    sizeof(*rp->cur_ev));
	}
	rp->cur_ev[rp->ncur].source = source && *source ? xstrdup(source) :
	    NULL;
	rp->cur_ev[rp->ncur].at = at;
	rp->ncur++;
}

void
report_hist_add(uint64_t **hist, size_t *n, int days)
{
	size_t d = days < 0 ? 0 : (size_t)days;

	if (d >= REPORT_HIST_MAX)
		d = REPORT_HIST_MAX - 1;
	if (d >= *n) {
		*hist = xreallocarray(*hist, d + 1, sizeof(**hist));
		memset(*hist + *n, 0, (d + 1 - *n) * sizeof(**hist));
		*n = d + 1;
	}
	(*hist)[d]++;
}

/* Most contacts first, ties by source, "not recorded" last. */
static int
source_rank(const void *a, const void *b)
{
	const struct report_source *p = *(const struct report_source *const *)a;
	const struct report_source *q = *(const struct report_source *const *)b;

	if (p->contacts != q->contacts)
		return p->contacts > q->contacts ? -1 : 1;
	return source_cmp(p->source, q->source);
}

const struct report_source **
report_sources_ranked(const struct report_source *v, size_t n)
{
	const struct report_source **out = xreallocarray(NULL, n ? n : 1,
	    sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = &v[i];
	if (n > 1)
		qsort(out, n, sizeof(*out), source_rank);
	return out;
}

struct report_source *
report_source_get(struct report_source **v, size_t *n, const char *source)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		int k = source_cmp((*v)[i].source, source);

		if (k == 0)
			return &(*v)[i];
		if (k > 0)
			break;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	memmove(&(*v)[i + 1], &(*v)[i], (*n - i) * sizeof(**v));
	(*n)++;
	memset(&(*v)[i], 0, sizeof((*v)[i]));
	(*v)[i].source = source ? xstrdup(source) : NULL;
	return &(*v)[i];
}

void
report_sources_fold(struct report_repeat *rp, const struct calendar *cal)
{
	if (rp->ncur >= (size_t)rp->conf->min) {
		rp->repeat_children++;
		for (size_t i = 0; i < rp->ncur; i++) {
			struct report_source *s = report_source_get(
			    &rp->sources, &rp->nsources, rp->cur_ev[i].source);
			bool seen = false;

			/* The child counts once for each source. */
			for (size_t j = 0; j < i && !seen; j++)
				seen = source_cmp(rp->cur_ev[j].source,
				    rp->cur_ev[i].source) == 0;
			if (!seen)
				s->children++;
			s->contacts++;
			rp->repeat_contacts++;
			/* Events arrive in time order (report_add_event). */
			if (i > 0)
				report_hist_add(&rp->gaps, &rp->ngaps,
				    cal_date_diff(
				    calendar_date_of(cal, rp->cur_ev[i].at),
				    calendar_date_of(cal,
				    rp->cur_ev[i - 1].at)));
		}
	}
	for (size_t i = 0; i < rp->ncur; i++)
		free(rp->cur_ev[i].source);
	rp->ncur = 0;
}

void
report_sources_free(struct report_repeat *rp)
{
	for (size_t i = 0; i < rp->ncur; i++)
		free(rp->cur_ev[i].source);
	free(rp->cur_ev);
	for (size_t i = 0; i < rp->nsources; i++)
		free(rp->sources[i].source);
	free(rp->sources);
	free(rp->gaps);
}
