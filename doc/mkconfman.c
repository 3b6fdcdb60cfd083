/*
 * mkconfman: print the settings part of mashwatch.conf(5) from the tables
 * in lib/config_table.c, so that the page can never disagree with the
 * parser.  The Makefile splices the output into doc/mashwatch.conf.5.in
 * at the line "@SETTINGS@".  Output is man(7) macros.
 */
#include <stdio.h>
#include <string.h>

#include "mashwatch/config.h"

/* Man text: escape backslashes and keep a leading dot or quote literal. */
static void
man_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static const char *
type_name(const struct conf_setting *s, char *buf, size_t len)
{
	switch (s->type) {
	case CONF_STRING:
		return "string";
	case CONF_IDENT:
		return "identifier (lower case letters, digits, _)";
	case CONF_PATH:
		return "path";
	case CONF_INT:
		snprintf(buf, len, "integer from %.0f to %.0f", s->min, s->max);
		return buf;
	case CONF_FLOAT:
		snprintf(buf, len, "number from %g to %g", s->min, s->max);
		return buf;
	case CONF_BOOL:
		return "true or false";
	case CONF_TIME_OF_DAY:
		return "local time of day, \"HH:MM\"";
	case CONF_LIMIT:
		return "timescale: \"N hours\", \"N days\" or \"N working days\"";
	case CONF_WINDOW:
		return "timescale, which may also be \"N months\"";
	case CONF_AGE:
		return "an age: \"N hours\", \"N days\" or \"N months\"";
	case CONF_WEEKDAYS:
		return "array of weekday names";
	case CONF_ADDRESSES:
		return "an email address or a list of them";
	case CONF_HOSTS:
		return "an IP address or a list of them";
	case CONF_DOMAINS:
		return "a list of domain names (one string of them, separated "
		    "by commas, is read too)";
	case CONF_LIMIT_MAP:
		return "group of priority = timescale";
	case CONF_FLOAT_MAP:
		snprintf(buf, len, "group of name = number from %g to %g",
		    s->min, s->max);
		return buf;
	case CONF_ENUM:
		buf[0] = '\0';
		for (size_t i = 0; s->choices[i] != NULL; i++) {
			size_t o = strlen(buf);
			snprintf(buf + o, len - o, "%s\"%s\"", i ? ", " : "one of ",
			    s->choices[i]);
		}
		return buf;
	}
	return "?";
}

static void
table_print(const char *prefix, const struct conf_setting *v, size_t n)
{
	char buf[256];

	for (size_t i = 0; i < n; i++) {
		const struct conf_setting *s = &v[i];

		printf(".TP\n.B ");
		man_text(prefix);
		man_text(s->name);
		printf("\n");
		man_text(s->help);
		printf("\n.br\nType: ");
		man_text(type_name(s, buf, sizeof(buf)));
		printf(".  Default: ");
		if (s->def != NULL)
			man_text(s->def);
		else
			fputs(s->required ? "none, required" : "none", stdout);
		printf(".  %s\n", s->reloadable ? "Applied on reload (SIGHUP)." :
		    "Needs a restart.");
	}
}

int
main(void)
{
	const struct conf_setting *v;
	size_t n;

	printf(".SS Settings\n");
	v = config_settings(&n);
	table_print("", v, n);
	printf(".SS Each entry of the clocks list\n");
	v = config_clock_settings(&n);
	table_print("clocks[].", v, n);
	printf(".SS Each entry of the repeats list\n");
	v = config_repeat_settings(&n);
	table_print("repeats[].", v, n);
	printf(".SS Each entry of the checks list\n");
	v = config_check_settings(&n);
	table_print("checks[].", v, n);
	printf(".SS Each entry of the reasons list\n");
	v = config_reason_settings(&n);
	table_print("reasons[].", v, n);
	return 0;
}
