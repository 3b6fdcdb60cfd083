/*
 * Errors found while loading the config: the public list a caller reads
 * (config_errors_add, config_errors_clear) and the loader's
 * "FILE:LINE: message" (conf_err), shared by config.c and config_value.c.
 */
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mashwatch/config.h"
#include "mashwatch/xmalloc.h"
#include "config_private.h"

void
config_errors_add(struct config_errors *e, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("out of memory formatting an error");
	va_end(ap);
	e->v = xreallocarray(e->v, e->n + 1, sizeof(*e->v));
	e->v[e->n++] = msg;
}

void
config_errors_clear(struct config_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

/*
 * libconfig names a file that @include brought in as written, relative to
 * the config's folder; make it usable from the current directory.
 */
char *
conf_source_file(const struct conf_loader *ld, const config_setting_t *node)
{
	const char *file = node ? config_setting_source_file(node) : NULL;

	if (file == NULL || strcmp(file, ld->path) == 0)
		return xstrdup(ld->path);
	if (file[0] == '/')
		return xstrdup(file);
	return xasprintf("%s/%s", ld->dir, file);
}

void
conf_err(struct conf_loader *ld, const config_setting_t *node,
    const char *fmt, ...)
{
	va_list ap;
	char *msg, *file;
	int line = 0;

	if (node != NULL)
		line = config_setting_source_line(node);
	file = conf_source_file(ld, node);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ld->v = xreallocarray(ld->v, ld->n + 1, sizeof(*ld->v));
	ld->v[ld->n].line = line;
	ld->v[ld->n].seq = ld->n;
	if (line > 0)
		ld->v[ld->n].msg = xasprintf("%s:%d: %s", file, line,
		    msg ? msg : "?");
	else
		ld->v[ld->n].msg = xasprintf("%s: %s", file, msg ? msg : "?");
	ld->n++;
	free(msg);
	free(file);
}
