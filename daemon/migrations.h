/* The state schema's migrations, compiled in from etc/sql/state. */
#ifndef MASHWATCH_MIGRATIONS_H
#define MASHWATCH_MIGRATIONS_H

#include <stddef.h>

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct migration migrations[];
extern const size_t nmigrations;

#endif
