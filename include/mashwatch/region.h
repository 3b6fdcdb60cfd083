/*
 * The regional benchmark (mashwatchctl(1) region, mashwatch-report(5)):
 * the monthly regional extracts of several authorities laid side by side,
 * every measure with the region's quartiles and each authority's rank,
 * under statistical disclosure control (disclosure.h).
 *
 * Pure: extracts come in as JSON text, the table goes out to a FILE *.
 * An extract that holds anything that looks like a child, worker or case
 * id is refused: such ids never leave an authority.
 */
#ifndef MASHWATCH_REGION_H
#define MASHWATCH_REGION_H

#include <stddef.h>
#include <stdio.h>

struct region;

enum region_format { RGF_HTML, RGF_CSV, RGF_JSON };

/*
 * A benchmark for month "YYYY-MM" (the caller checked the form).  The
 * caller owns the result; region_free(NULL) is a no-op.
 */
struct region *region_new(const char *month);
void region_free(struct region *rg);

/*
 * Add one authority from the text of its regional extract (`mashwatchctl
 * report --month M --format region`).  fallback names the authority when
 * the extract's "authority" is null (the file's name, say).  Returns 0, or
 * -1 with the reason in err: not JSON; a key that can carry an id (see
 * region_id_key) anywhere in it, e.g. the full report's JSON; not an
 * extract; another month; the same authority twice.  Nothing is added on
 * error.
 */
int region_add(struct region *rg, const char *text, const char *fallback,
    char *err, size_t errlen);

/*
 * Is key one that may carry a child, worker or case id?  The id-bearing
 * keys of the report's JSON (child, worker, instance, oldest, listed,
 * most), and any key that is or ends in "id" ("_id", "-id"), or starts with
 * "child" or "worker" but for the counts "children" and "workers".
 */
int region_id_key(const char *key);

/*
 * Write the benchmark in format f: every measure (per clock the share
 * within limit and the median working days, the re-referral rate, repeat
 * contacts per 10,000 contacts, the share of workers above the red
 * caseload) by authority in the order added, with the region's total,
 * median and quartiles and each authority's rank.  Returns -1 if fp
 * reported an error or no authority was added.
 */
int region_write(struct region *rg, enum region_format f, FILE *fp);

/*
 * The region's median of measure (e.g. "rereferral_rate") from the text of
 * a benchmark written as JSON by region_write.  Returns 0 and sets *out
 * (NaN when the region had no value), or -1 with the reason in err.
 */
int region_median_of(const char *text, const char *measure, double *out,
    char *err, size_t errlen);

#endif
