/*
 * What the config_*.c files share and nothing else may use: not
 * installed, not part of include/mashwatch/config.h.
 */
#ifndef MASHWATCH_CONFIG_PRIVATE_H
#define MASHWATCH_CONFIG_PRIVATE_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "mashwatch/config.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The field of setting s in the struct at base (a config or an entry). */
#define CONF_FIELD(base, s, type)	\
	((type *)(void *)((char *)(base) + (s)->offset))
#define CONF_CFIELD(base, s, type)	\
	((type const *)(const void *)((const char *)(base) + (s)->offset))
/* The count of a map, which follows its array in the struct. */
#define CONF_CCOUNT(base, s)	\
	(*(const size_t *)(const void *)((const char *)(base) + \
	    (s)->offset + sizeof(void *)))

/* "Sun" .. "Sat", indexed by wday as in struct tm. */
extern const char *const conf_weekday_names[7];

/* The table of one team of routes.teams. */
const struct conf_setting *conf_team_settings(size_t *n);
/* The table of one list of routes of the site's own (routes.police). */
const struct conf_setting *conf_named_route_settings(size_t *n);

/*
 * Find the first password in s from offset `from` on: the value of a
 * conninfo's password= (or sslpassword=), or the PASSWORD in a URL's
 * scheme://USER:PASSWORD@host.  Sets [*b, *e) and returns true.
 */
bool conf_secret_find(const char *s, size_t from, size_t *b, size_t *e);

/* One error found while loading; sorted by line before it is reported. */
struct conf_msg {
	int	 line;
	size_t	 seq;		/* order of discovery */
	char	*msg;
};

/* The state of one config_load. */
struct conf_loader {
	const char		*path;
	char			*dir;	/* the config's folder, absolute */
	struct conf_msg	*v;
	size_t			 n;
};

/* The file node came from, as a path from the current directory. */
char *conf_source_file(const struct conf_loader *ld,
    const config_setting_t *node);
/* Record "FILE:LINE: message" for node (NULL: the whole file). */
void conf_err(struct conf_loader *ld, const config_setting_t *node,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Read node as setting s into the struct at base; name is how messages
 * call the setting.  On error returns -1 and leaves the field as it was.
 */
int conf_read_value(struct conf_loader *ld, const struct conf_setting *s,
    const char *name, const config_setting_t *node, void *base);
/* Read s's default, written in the file's syntax, into base. */
void conf_read_default(struct conf_loader *ld, const struct conf_setting *s,
    void *base);

/* local@domain, with nothing that could break or add a header. */
bool conf_address_ok(const char *a);

#endif
