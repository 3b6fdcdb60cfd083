/*
 * One line of PostgreSQL COPY text format (the default of COPY ... TO
 * STDOUT), split and decoded in place.  Pure: no allocation, no globals.
 */
#ifndef MASHWATCH_COPYTEXT_H
#define MASHWATCH_COPYTEXT_H

#include <stddef.h>

/*
 * Split `line` (len bytes, no trailing newline) on tabs and decode its
 * backslash escapes (\b \f \n \r \t \v \\, \NNN octal, \xHH hex; a
 * backslash before any other byte is that byte) in place.  line[len] must
 * be writable: the last field's terminator may land there.  On success
 * fields[i] points into line at a NUL-terminated string of lens[i] bytes,
 * or is NULL with lens[i] == 0 for SQL NULL (a field that is exactly \N),
 * and the return is nfields.  A field may hold a NUL of its own (a raw NUL
 * byte, or \000 in the data): bit i of *nuls says field i does, so that a
 * caller need not strlen every field to find out.  Returns -1 if the line
 * does not have exactly nfields fields (1 to COPYTEXT_MAX_FIELDS) or ends in
 * a lone backslash; line is then garbage.
 */
#define COPYTEXT_MAX_FIELDS	32

int copytext_split(char *line, size_t len, char **fields, size_t *lens,
    int nfields, unsigned *nuls);

#endif
