/*
 * Time zones from TZif files (RFC 8536).  A zone is its table of
 * transitions (the 64-bit data of version 2 and later files, or the 32-bit
 * data of version 1 files) plus the POSIX TZ string of the footer, which
 * gives the rule for every instant after the last transition.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mashwatch/tz.h"
#include "mashwatch/xmalloc.h"

#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"
#define TZ_MAX_FILE	(1 << 20)
#define TZ_MAX_NAME	255
/* No zone has ever been more than 15 hours from UTC; 26 is generous. */
#define TZ_MAX_OFFSET	(26 * 3600)
/* RFC 8536 3.3.1 lets rule times run from -167 to 167 hours. */
#define TZ_MAX_RULE_HOURS 167
/* Keep year arithmetic inside int: about +-34,000 years either way. */
#define TZ_CLAMP	((int64_t)1 << 40)
#define TZ_NEVER	INT64_MAX

enum rule_kind {
	RULE_JULIAN,	/* Jn: 1-365, February 29 never counted */
	RULE_ZERO,	/* n: 0-365, February 29 counted */
	RULE_MONTH,	/* Mm.w.d: day d of week w (5 = last) of month m */
};

struct rule_when {
	enum rule_kind	kind;
	int		day;
	int		month;
	int		week;
	int		wday;
	int32_t		secs;	/* local time of day, may be < 0 or >= 24h */
};

struct tz_rule {
	bool		present;
	bool		has_dst;
	int32_t		std_off;	/* east of UTC */
	int32_t		dst_off;
	struct rule_when start;		/* in standard time */
	struct rule_when end;		/* in daylight time */
};

struct tz {
	char		*name;
	int64_t		*trans;		/* ascending */
	int32_t		*trans_off;	/* offset in force from trans[i] on */
	size_t		 ntrans;
	int32_t		 off0;		/* before the first transition */
	struct tz_rule	 rule;		/* after the last transition */
};

struct tzif_counts {
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/*
 * Plain civil-date arithmetic (proleptic Gregorian), day 0 = 1970-01-01:
 * Howard Hinnant's days_from_civil and civil_from_days.
 */
int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
tz_weekday_of_days(int64_t z)
{
	/* Day 0, 1970-01-01, was a Thursday. */
	return (int)(((z % 7) + 11) % 7);
}

int64_t
tz_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static bool
tz_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
tz_month_days(int64_t y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && tz_is_leap(y) ? 29 : mdays[m - 1];
}

/*
 * Names come from configuration; refuse anything that could leave the
 * zoneinfo directory or name the directory itself.
 */
static bool
tz_name_is_safe(const char *name)
{
	const char *p, *seg;
	size_t n;

	if (name == NULL || *name == '\0' || *name == '/' ||
	    strlen(name) > TZ_MAX_NAME)
		return false;
	for (seg = p = name;; p++) {
		if (*p != '/' && *p != '\0') {
			if (!isalnum((unsigned char)*p) && *p != '_' &&
			    *p != '-' && *p != '+' && *p != '.')
				return false;
			continue;
		}
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (*p == '\0')
			return true;
		seg = p + 1;
	}
}

/* Read a whole regular file of at most TZ_MAX_FILE bytes. */
static unsigned char *
tz_read_file(const char *path, size_t *lenp, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	struct stat st;
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > TZ_MAX_FILE) {
		snprintf(err, errlen, "%s: too large for a TZif file", path);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size + 1, fp);
	if (ferror(fp) || n != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	*lenp = n;
out:
	fclose(fp);
	return buf;
}

static uint32_t
tz_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t
tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

/* The 44-byte header; returns the version byte or -1. */
static int
tzif_header(const unsigned char *p, size_t len, struct tzif_counts *c)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	if (p[4] != '\0' && (p[4] < '2' || p[4] > '4'))
		return -1;
	c->isutcnt = tz_be32(p + 20);
	c->isstdcnt = tz_be32(p + 24);
	c->leapcnt = tz_be32(p + 28);
	c->timecnt = tz_be32(p + 32);
	c->typecnt = tz_be32(p + 36);
	c->charcnt = tz_be32(p + 40);
	return p[4];
}

/* Bytes in a data block whose times are tsize (4 or 8) bytes wide. */
static uint64_t
tzif_block_len(const struct tzif_counts *c, unsigned tsize)
{
	return (uint64_t)c->timecnt * tsize + c->timecnt +
	    (uint64_t)c->typecnt * 6 + c->charcnt +
	    (uint64_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

/* Parse a data block into the transition table of tz. */
static int
tzif_parse_block(struct tz *tz, const unsigned char *p,
    const struct tzif_counts *c, unsigned tsize, const char **why)
{
	const unsigned char *times = p, *idx, *types;
	int32_t off;
	size_t i;

	if (c->typecnt == 0 || c->typecnt > 256 || c->charcnt == 0 ||
	    (c->isstdcnt != 0 && c->isstdcnt != c->typecnt) ||
	    (c->isutcnt != 0 && c->isutcnt != c->typecnt)) {
		*why = "bad counts";
		return -1;
	}
	/* Leap-second ("right/") zones do not count POSIX seconds. */
	if (c->leapcnt != 0) {
		*why = "leap-second zones are not supported";
		return -1;
	}
	idx = times + (size_t)c->timecnt * tsize;
	types = idx + c->timecnt;
	for (i = 0; i < c->typecnt; i++) {
		off = (int32_t)tz_be32(types + 6 * i);
		if (off < -TZ_MAX_OFFSET || off > TZ_MAX_OFFSET ||
		    types[6 * i + 4] > 1 || types[6 * i + 5] >= c->charcnt) {
			*why = "bad local time type";
			return -1;
		}
	}
	tz->off0 = (int32_t)tz_be32(types);
	tz->ntrans = c->timecnt;
	tz->trans = xreallocarray(NULL, c->timecnt, sizeof(*tz->trans));
	tz->trans_off = xreallocarray(NULL, c->timecnt,
	    sizeof(*tz->trans_off));
	for (i = 0; i < c->timecnt; i++) {
		tz->trans[i] = tsize == 8 ? tz_be64(times + 8 * i) :
		    (int32_t)tz_be32(times + 4 * i);
		if (idx[i] >= c->typecnt ||
		    (i > 0 && tz->trans[i] <= tz->trans[i - 1])) {
			*why = "bad transition";
			return -1;
		}
		tz->trans_off[i] = (int32_t)tz_be32(types + 6 * idx[i]);
	}
	return 0;
}

/* A zone abbreviation: three or more letters, or <...> quoted. */
static const char *
rule_parse_name(const char *p)
{
	const char *q;

	if (*p == '<') {
		for (q = p + 1; *q != '>'; q++)
			if (!isalnum((unsigned char)*q) && *q != '+' &&
			    *q != '-')
				return NULL;
		return q - p - 1 >= 3 ? q + 1 : NULL;
	}
	for (q = p; isalpha((unsigned char)*q); q++)
		;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] with hh at most maxh. */
static const char *
rule_parse_hms(const char *p, int maxh, int32_t *secs)
{
	int sign = 1, h = 0, m = 0, s = 0, n;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (n = 0; isdigit((unsigned char)*p) && n < 3; n++)
		h = h * 10 + (*p++ - '0');
	if (n == 0 || h > maxh)
		return NULL;
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)p[0]) ||
		    !isdigit((unsigned char)p[1]))
			return NULL;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':') {
			p++;
			if (!isdigit((unsigned char)p[0]) ||
			    !isdigit((unsigned char)p[1]))
				return NULL;
			s = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
		if (m > 59 || s > 59)
			return NULL;
	}
	*secs = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *
rule_parse_num(const char *p, int lo, int hi, int *v)
{
	int n;

	for (*v = 0, n = 0; isdigit((unsigned char)*p) && n < 3; n++)
		*v = *v * 10 + (*p++ - '0');
	if (n == 0 || *v < lo || *v > hi)
		return NULL;
	return p;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static const char *
rule_parse_when(const char *p, struct rule_when *w)
{
	memset(w, 0, sizeof(*w));
	if (*p == 'J') {
		w->kind = RULE_JULIAN;
		p = rule_parse_num(p + 1, 1, 365, &w->day);
	} else if (*p == 'M') {
		w->kind = RULE_MONTH;
		if ((p = rule_parse_num(p + 1, 1, 12, &w->month)) == NULL ||
		    *p != '.' ||
		    (p = rule_parse_num(p + 1, 1, 5, &w->week)) == NULL ||
		    *p != '.')
			return NULL;
		p = rule_parse_num(p + 1, 0, 6, &w->wday);
	} else {
		w->kind = RULE_ZERO;
		p = rule_parse_num(p, 0, 365, &w->day);
	}
	if (p == NULL)
		return NULL;
	w->secs = 2 * 3600;
	if (*p == '/')
		p = rule_parse_hms(p + 1, TZ_MAX_RULE_HOURS, &w->secs);
	return p;
}

/*
 * The POSIX TZ string of the footer, e.g. "GMT0BST,M3.5.0/1,M10.5.0".
 * POSIX offsets count west of UTC; we keep them east.
 */
static int
rule_parse(const char *s, struct tz_rule *r)
{
	const char *p = s;
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (*p == '\0')
		return 0;
	if ((p = rule_parse_name(p)) == NULL ||
	    (p = rule_parse_hms(p, 24, &off)) == NULL)
		return -1;
	r->present = true;
	r->std_off = -off;
	if (*p == '\0')
		return 0;
	if ((p = rule_parse_name(p)) == NULL)
		return -1;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = rule_parse_hms(p, 24, &off)) == NULL)
			return -1;
		r->dst_off = -off;
	}
	/* zic always writes the rules; POSIX leaves the default open. */
	if (*p != ',' || (p = rule_parse_when(p + 1, &r->start)) == NULL ||
	    *p != ',' || (p = rule_parse_when(p + 1, &r->end)) == NULL ||
	    *p != '\0')
		return -1;
	return 0;
}

/* The instant at which w happens in year y on a clock running at off. */
static int64_t
rule_instant(const struct rule_when *w, int64_t y, int32_t off)
{
	int64_t days, first;
	int wd, md;

	switch (w->kind) {
	case RULE_JULIAN:
		days = tz_days_from_civil(y, 1, 1) + w->day - 1 +
		    (tz_is_leap(y) && w->day >= 60);
		break;
	case RULE_ZERO:
		days = tz_days_from_civil(y, 1, 1) + w->day;
		break;
	default:
		first = tz_days_from_civil(y, w->month, 1);
		wd = tz_weekday_of_days(first);
		md = 1 + (w->wday - wd + 7) % 7 + (w->week - 1) * 7;
		while (md > tz_month_days(y, w->month))
			md -= 7;
		days = first + md - 1;
		break;
	}
	return days * 86400 + w->secs - off;
}

/*
 * Offset at t under rule r, and the first transition after t.  Rule times
 * may stray up to a week into a neighbouring year, so the transitions of
 * five years around t are sorted and searched.
 */
static void
rule_lookup(const struct tz_rule *r, int64_t t, int32_t *offp,
    int64_t *nextp)
{
	struct {
		int64_t	at;
		int32_t	off;
		int	dst;
	} tr[10], tmp;
	int64_t y;
	int i, j, m, d, n = 0;

	*offp = r->std_off;
	*nextp = TZ_NEVER;
	if (!r->has_dst)
		return;
	if (t > TZ_CLAMP)
		t = TZ_CLAMP;
	if (t < -TZ_CLAMP)
		t = -TZ_CLAMP;
	tz_civil_from_days(tz_floor_div(t, 86400), &y, &m, &d);
	for (i = -2; i <= 2; i++) {
		tr[n].at = rule_instant(&r->start, y + i, r->std_off);
		tr[n].off = r->dst_off;
		tr[n++].dst = 1;
		tr[n].at = rule_instant(&r->end, y + i, r->dst_off);
		tr[n].off = r->std_off;
		tr[n++].dst = 0;
	}
	/*
	 * Ties put the change to standard time first so that a rule in
	 * daylight time all year (e.g. "EST5EDT,0/0,J365/25") stays there.
	 */
	for (i = 1; i < n; i++) {
		tmp = tr[i];
		for (j = i; j > 0 && (tr[j - 1].at > tmp.at ||
		    (tr[j - 1].at == tmp.at && tr[j - 1].dst > tmp.dst)); j--)
			tr[j] = tr[j - 1];
		tr[j] = tmp;
	}
	*offp = tr[0].dst ? r->std_off : r->dst_off;
	for (i = 0; i < n && tr[i].at <= t; i++)
		*offp = tr[i].off;
	if (i < n)
		*nextp = tr[i].at;
}

struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	struct tzif_counts c;
	struct tz *tz = NULL;
	const char *dir, *why = "truncated";
	unsigned char *buf = NULL, *p, *end, *nl;
	char path[4096];
	size_t len;
	int version;

	if (!tz_name_is_safe(name)) {
		snprintf(err, errlen, "\"%s\" is not a safe time zone name",
		    name ? name : "");
		return NULL;
	}
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = TZ_DEFAULT_DIR;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		snprintf(err, errlen, "time zone %s: path too long", name);
		return NULL;
	}
	if ((buf = tz_read_file(path, &len, err, errlen)) == NULL)
		return NULL;
	end = buf + len;
	tz = xcalloc(1, sizeof(*tz));
	tz->name = xstrdup(name);

	if ((version = tzif_header(buf, len, &c)) == -1) {
		why = "not a TZif file";
		goto bad;
	}
	p = buf + 44;
	if (tzif_block_len(&c, 4) > (uint64_t)(end - p))
		goto bad;
	if (version == '\0') {
		if (tzif_parse_block(tz, p, &c, 4, &why) == -1)
			goto bad;
		goto done;
	}
	/* Version 2+: skip the 32-bit data for the second, 64-bit, copy. */
	p += tzif_block_len(&c, 4);
	if (tzif_header(p, (size_t)(end - p), &c) != version) {
		why = "bad second header";
		goto bad;
	}
	p += 44;
	if (tzif_block_len(&c, 8) > (uint64_t)(end - p))
		goto bad;
	if (tzif_parse_block(tz, p, &c, 8, &why) == -1)
		goto bad;
	p += tzif_block_len(&c, 8);
	/* The footer: "\n" POSIX-TZ-string "\n". */
	if (p >= end || *p != '\n' ||
	    (nl = memchr(p + 1, '\n', (size_t)(end - p - 1))) == NULL ||
	    memchr(p + 1, '\0', (size_t)(nl - p - 1)) != NULL) {
		why = "missing footer";
		goto bad;
	}
	*nl = '\0';
	if (rule_parse((char *)p + 1, &tz->rule) == -1) {
		why = "bad TZ string in footer";
		goto bad;
	}
done:
	free(buf);
	return tz;
bad:
	snprintf(err, errlen, "%s: malformed TZif file: %s", path, why);
	free(buf);
	tz_free(tz);
	return NULL;
}

void
tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz->trans_off);
	free(tz);
}

const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

/* Index of the last transition at or before t, or -1. */
static ptrdiff_t
tz_find(const struct tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->ntrans, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

/*
 * The offset at t and the next instant after t at which it may change.
 * As in RFC 8536 (and glibc), the footer rule governs from the last
 * transition on, and everything when there are no transitions at all.
 */
static int32_t
tz_lookup(const struct tz *tz, int64_t t, int64_t *nextp)
{
	ptrdiff_t i;
	int32_t off;

	i = tz_find(tz, t);
	if (tz->rule.present && (size_t)(i + 1) == tz->ntrans) {
		rule_lookup(&tz->rule, t, &off, nextp);
		return off;
	}
	if ((size_t)(i + 1) < tz->ntrans)
		*nextp = tz->trans[i + 1];
	else
		*nextp = TZ_NEVER;
	return i < 0 ? tz->off0 : tz->trans_off[i];
}

int
tz_offset_at(const struct tz *tz, int64_t t)
{
	int64_t next;

	return tz_lookup(tz, t, &next);
}

/*
 * Solutions u of u + offset(u) == local lie within TZ_MAX_OFFSET of local,
 * so walk the stretches of constant offset over two days either side, in
 * order: the first stretch that contains its candidate gives the earliest
 * instant.  A forward jump that steps over local marks a gap.
 */
int64_t
tz_local_to_utc(const struct tz *tz, int64_t local)
{
	int64_t u, next, after, hi, cand, gap = TZ_NEVER;
	int32_t off, newoff;

	if (local > TZ_CLAMP)
		local = TZ_CLAMP;
	if (local < -TZ_CLAMP)
		local = -TZ_CLAMP;
	u = local - 2 * 86400;
	hi = local + 2 * 86400;
	off = tz_lookup(tz, u, &next);
	for (;;) {
		cand = local - off;
		if (cand >= u && cand < next)
			return cand;
		if (next > hi)
			break;
		newoff = tz_lookup(tz, next, &after);
		if (gap == TZ_NEVER && next + off <= local &&
		    local < next + newoff)
			gap = next;
		u = next;
		next = after;
		off = newoff;
	}
	if (gap != TZ_NEVER)
		return gap;
	return local - tz_offset_at(tz, local);
}
