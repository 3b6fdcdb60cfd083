/*
 * Shared by the libFuzzer targets in tests/fuzz (see tests/fuzz/README).
 * Each target is one file with LLVMFuzzerTestOneInput; these helpers cut
 * the input into fields and give the targets the example config and its
 * calendar, loaded once from etc/ (targets run from the top of the tree).
 *
 * A target aborts (and so fails) on any property it checks; the sanitizers
 * catch the rest.
 */
#ifndef MASHWATCH_FUZZ_H
#define MASHWATCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, consumed from the front. */
struct fz {
	const uint8_t	*p;
	size_t		 n;
	char		*strs[64];	/* freed by fz_done */
	size_t		 nstrs;
};

static inline uint8_t
fz_u8(struct fz *f)
{
	uint8_t v = 0;

	if (f->n > 0) {
		v = *f->p++;
		f->n--;
	}
	return v;
}

static inline int64_t
fz_i64(struct fz *f)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | fz_u8(f);
	return (int64_t)v;
}

/* A NUL-terminated string of up to 255 bytes (any bytes but NUL). */
static inline const char *
fz_str(struct fz *f)
{
	size_t len = fz_u8(f), i;
	char *s;

	if (len > f->n)
		len = f->n;
	s = malloc(len + 1);
	for (i = 0; i < len; i++)
		s[i] = f->p[i] ? (char)f->p[i] : ' ';
	s[len] = '\0';
	f->p += len;
	f->n -= len;
	if (f->nstrs < sizeof(f->strs) / sizeof(f->strs[0]))
		f->strs[f->nstrs++] = s;
	else {
		free(s);
		s = f->strs[0];
	}
	return s;
}

static inline void
fz_done(struct fz *f)
{
	for (size_t i = 0; i < f->nstrs; i++)
		free(f->strs[i]);
	f->nstrs = 0;
}

/* The whole input as a C string (NULs become spaces); caller frees. */
static inline char *
fz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	for (size_t i = 0; i < size; i++)
		s[i] = data[i] ? (char)data[i] : ' ';
	s[size] = '\0';
	return s;
}

/* Write the input to a private file (path in buf); returns 0 or -1. */
static inline int
fz_write_file(const char *name, const uint8_t *data, size_t size, char *buf,
    size_t len)
{
	FILE *fp;

	snprintf(buf, len, "/tmp/mashwatch-fuzz-%ld-%s", (long)getpid(), name);
	if ((fp = fopen(buf, "wb")) == NULL)
		return -1;
	if (size > 0 && fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		return -1;
	}
	return fclose(fp) == 0 ? 0 : -1;
}

/* The example config and its calendar: loaded once, never freed. */
struct fz_world {
	struct config	*cfg;
	struct calendar	*cal;
};

static inline const struct fz_world *
fz_world(void)
{
	static struct fz_world w;
	struct config_errors errs = { 0 };
	char err[256];

	if (w.cfg != NULL)
		return &w;
	if ((w.cfg = config_load("etc/mashwatch.conf", &errs)) == NULL) {
		fprintf(stderr, "fuzz: cannot load etc/mashwatch.conf (run from "
		    "the top of the tree)\n");
		abort();
	}
	config_errors_clear(&errs);
	if ((w.cal = calendar_new(w.cfg->calendar.timezone,
	    w.cfg->calendar.working_days, err, sizeof(err))) == NULL ||
	    calendar_load_holidays(w.cal, w.cfg->calendar.holidays, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	return &w;
}

#define FZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
