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

static struct report_source *
source_get(struct report_repeat *rp, const char *source)
{
	size_t i;

	for (i = 0; i < rp->nsources; i++) {
		int k = source_cmp(rp->sources[i].source, source);

		if (k == 0)
			return &rp->sources[i];
		if (k > 0)
			break;
	}
	rp->sources = xreallocarray(rp->sources, rp->nsources + 1,
	    sizeof(*rp->sources));
	memmove(&rp->sources[i + 1], &rp->sources[i],
	    (rp->nsources - i) * sizeof(*rp->sources));
	rp->nsources++;
	memset(&rp->sources[i], 0, sizeof(rp->sources[i]));
	rp->sources[i].source = source ? xstrdup(source) : NULL;
	return &rp->sources[i];
}

static void
gap_add(struct report_repeat *rp, int days)
{
	size_t d = days < 0 ? 0 : (size_t)days;

	if (d >= REPORT_HIST_MAX)
		d = REPORT_HIST_MAX - 1;
	if (d >= rp->ngaps) {
		rp->gaps = xreallocarray(rp->gaps, d + 1, sizeof(*rp->gaps));
		memset(rp->gaps + rp->ngaps, 0, (d + 1 - rp->ngaps) *
		    sizeof(*rp->gaps));
		rp->ngaps = d + 1;
	}
	rp->gaps[d]++;
}

void
report_sources_fold(struct report_repeat *rp, const struct calendar *cal)
{
	if (rp->ncur >= (size_t)rp->conf->min) {
		rp->repeat_children++;
		for (size_t i = 0; i < rp->ncur; i++) {
			struct report_source *s = source_get(rp,
			    rp->cur_ev[i].source);
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
				gap_add(rp, cal_date_diff(
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
