/*
 * Text from the databases (notes, names, replies) made safe for an
 * operator's terminal: a note written on the board must never move the
 * cursor, change the title or colours, or forge a line of output.
 */
#ifndef MASHWATCH_TERMTEXT_H
#define MASHWATCH_TERMTEXT_H

#include <stdbool.h>

/*
 * A copy of s (NULL gives "") with every control character written as an
 * escape: \n, \r, \t, \\ and \xNN for the other C0 controls, DEL and each
 * byte of a C1 control (U+0080..U+009F) or of invalid UTF-8.  Printable
 * text, UTF-8 included, is unchanged.  The caller frees it.
 */
char *termtext_escape(const char *s);
/*
 * The same, but line breaks ("\n") are kept: for a whole text report
 * (check-source) written line by line.  The caller frees it.
 */
char *termtext_escape_lines(const char *s);
/*
 * Whether s holds a control character other than a line break ("\n",
 * "\r\n"): C0, DEL, a C1 control, or bytes that are not UTF-8.
 */
bool termtext_has_control(const char *s);

#endif
