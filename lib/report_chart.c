/*
 * Trend charts: one line per chart over the report's weekly trend points,
 * drawn as PNG with cairo for email (every client shows an image; none
 * runs SVG) and written as SVG for the archived HTML.  Both come from the
 * same series and the same geometry, and the HTML puts the numbers in a
 * table beside each chart.  Pure: bytes out, no files.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "mashwatch/report.h"
#include "mashwatch/xmalloc.h"

#define W	REPORT_CHART_WIDTH
#define H	REPORT_CHART_HEIGHT
#define LEFT	44
#define RIGHT	28
#define TOP	14
#define BOTTOM	30

/* A clock is charted when something stopped in one of the weeks. */
static bool
charted(const struct report *r, size_t c)
{
	for (size_t k = 0; k < r->ntrend; k++)
		if (r->trend[k]->clocks[c].span.stopped > 0)
			return true;
	return false;
}

size_t
report_chart_clock(const struct report *r, size_t i)
{
	for (size_t c = 0; c < r->nclocks; c++)
		if (charted(r, c) && i-- == 0)
			return c;
	return r->nclocks;
}

size_t
report_chart_count(const struct report *r)
{
	size_t n = 0;

	if (r->ntrend == 0)
		return 0;
	for (size_t c = 0; c < r->nclocks; c++)
		n += charted(r, c);
	return n + 1;
}

const char *
report_chart_cid(size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "chart-%zu@mashwatch", i);
	return buf;
}

const char *
report_chart_title(const struct report *r, size_t i, char *buf, size_t len)
{
	i = report_chart_clock(r, i);
	if (i < r->nclocks)
		snprintf(buf, len, "%s: share done within the limit, by week",
		    r->clocks[i].conf->label ? r->clocks[i].conf->label :
		    r->clocks[i].conf->name);
	else
		snprintf(buf, len, "Contacts, by week");
	return buf;
}

/* Clock c's values (NaN: nothing to show that week) and the top. */
static double
series(const struct report *r, size_t i, double *v)
{
	double top = i < r->nclocks ? 1.0 : 0.0;

	for (size_t k = 0; k < r->ntrend; k++) {
		const struct report *p = r->trend[k];

		if (i < r->nclocks)
			v[k] = report_share(p->clocks[i].span.within_limit,
			    p->clocks[i].span.stopped);
		else {
			v[k] = (double)p->span_demand[RM_CONTACTS];
			if (v[k] > top)
				top = v[k];
		}
	}
	if (top <= 0)
		top = 1;
	return top;
}

static double
x_of(const struct report *r, size_t k)
{
	double span = W - LEFT - RIGHT;

	return LEFT + (r->ntrend > 1 ? span * (double)k /
	    (double)(r->ntrend - 1) : span / 2);
}

static double
y_of(double v, double top)
{
	return TOP + (H - TOP - BOTTOM) * (1 - v / top);
}

static void
axis_label(double v, double top, bool share, char *buf, size_t len)
{
	(void)top;
	if (share)
		snprintf(buf, len, "%.0f%%", v * 100);
	else
		snprintf(buf, len, "%.0f", v);
}

static void
date_label(const struct report *p, char *buf, size_t len)
{
	snprintf(buf, len, "%02d-%02d", p->date.month, p->date.day);
}

static cairo_status_t
png_write(void *closure, const unsigned char *data, unsigned int len)
{
	FILE *fp = closure;

	return fwrite(data, 1, len, fp) == len ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

int
report_chart_png(const struct report *r, size_t i, unsigned char **png,
    size_t *len)
{
	double v[REPORT_TREND_WEEKS], top;
	bool share, pen = false;
	cairo_surface_t *s;
	cairo_t *cr;
	char buf[32];
	char *out = NULL;
	size_t n = 0;
	FILE *fp;
	int ret = -1;

	if (i >= report_chart_count(r))
		return -1;
	i = report_chart_clock(r, i);
	share = i < r->nclocks;
	top = series(r, i, v);
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
	cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 10);

	/* Grid at 0, half and top, labelled. */
	cairo_set_line_width(cr, 1);
	for (int g = 0; g <= 2; g++) {
		double gv = top * g / 2, y = floor(y_of(gv, top)) + 0.5;

		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_move_to(cr, LEFT, y);
		cairo_line_to(cr, W - RIGHT, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
		axis_label(gv, top, share, buf, sizeof(buf));
		cairo_move_to(cr, 4, y + 3);
		cairo_show_text(cr, buf);
	}
	for (size_t k = 0; k < r->ntrend; k += 2) {
		date_label(r->trend[k], buf, sizeof(buf));
		cairo_move_to(cr, x_of(r, k) - 14, H - 10);
		cairo_show_text(cr, buf);
	}

	/* The line, broken where a week had nothing to measure. */
	cairo_set_source_rgb(cr, 0.0, 0.33, 0.62);
	cairo_set_line_width(cr, 2.5);
	for (size_t k = 0; k < r->ntrend; k++) {
		if (isnan(v[k])) {
			pen = false;
			continue;
		}
		if (pen)
			cairo_line_to(cr, x_of(r, k), y_of(v[k], top));
		else
			cairo_move_to(cr, x_of(r, k), y_of(v[k], top));
		pen = true;
	}
	cairo_stroke(cr);
	for (size_t k = 0; k < r->ntrend; k++) {
		if (isnan(v[k]))
			continue;
		cairo_arc(cr, x_of(r, k), y_of(v[k], top), 3.5, 0, 2 * M_PI);
		cairo_fill(cr);
	}
	cairo_destroy(cr);

	if ((fp = open_memstream(&out, &n)) == NULL)
		goto out;
	if (cairo_surface_write_to_png_stream(s, png_write, fp) !=
	    CAIRO_STATUS_SUCCESS) {
		fclose(fp);
		free(out);
		goto out;
	}
	if (fclose(fp) != 0) {
		free(out);
		goto out;
	}
	*png = (unsigned char *)out;
	*len = n;
	ret = 0;
out:
	cairo_surface_destroy(s);
	return ret;
}

int
report_chart_svg(const struct report *r, size_t i, FILE *fp)
{
	double v[REPORT_TREND_WEEKS], top;
	bool share, pen = false;
	char buf[160], title[160];

	if (i >= report_chart_count(r))
		return -1;
	report_chart_title(r, i, title, sizeof(title));
	i = report_chart_clock(r, i);
	share = i < r->nclocks;
	top = series(r, i, v);
	/* Inline in HTML5: no xmlns needed (and no URL in the page). */
	fprintf(fp, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
	    "aria-label=\"", W, H);
	report_html_escape(fp, title);
	fprintf(fp, "\" style=\"max-width:%dpx;font-family:sans-serif;"
	    "font-size:10px\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#ffffff\"/>", W, W, H);
	for (int g = 0; g <= 2; g++) {
		double gv = top * g / 2, y = y_of(gv, top);

		axis_label(gv, top, share, buf, sizeof(buf));
		fprintf(fp, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#d9d9d9\"/><text x=\"4\" y=\"%.1f\" "
		    "fill=\"#595959\">%s</text>", LEFT, W - RIGHT, y, y, y + 3,
		    buf);
	}
	for (size_t k = 0; k < r->ntrend; k += 2) {
		date_label(r->trend[k], buf, sizeof(buf));
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\" fill=\"#595959\">%s"
		    "</text>", x_of(r, k) - 14, H - 10, buf);
	}
	fputs("<path fill=\"none\" stroke=\"#00549e\" stroke-width=\"2.5\" "
	    "d=\"", fp);
	for (size_t k = 0; k < r->ntrend; k++) {
		if (isnan(v[k])) {
			pen = false;
			continue;
		}
		fprintf(fp, "%s%.1f %.1f ", pen ? "L" : "M", x_of(r, k),
		    y_of(v[k], top));
		pen = true;
	}
	fputs("\"/>", fp);
	for (size_t k = 0; k < r->ntrend; k++)
		if (!isnan(v[k]))
			fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
			    "fill=\"#00549e\"/>", x_of(r, k), y_of(v[k], top));
	fputs("</svg>", fp);
	return ferror(fp) ? -1 : 0;
}

void
report_chart_done(void)
{
	/* cairo's font caches first: they hold fontconfig's patterns. */
	cairo_debug_reset_static_data();
	FcFini();
}
