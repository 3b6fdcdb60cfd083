/*
 * HTML escaping, once for the alert emails, the report and the board:
 * each writes to its own kind of buffer but asks here what to write.
 */
#ifndef MASHWATCH_HTML_H
#define MASHWATCH_HTML_H

/*
 * The entity that stands for c in HTML text and in quoted attribute
 * values ("&amp;", "&lt;", "&gt;", "&quot;", "&#39;"), or NULL when c
 * stands for itself.
 */
const char *html_entity(char c);

#endif
