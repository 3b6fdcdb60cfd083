/*
 * The configuration (libconfig syntax, mashwatch.conf(5)).
 *
 * Every scalar setting is declared once in a table of struct conf_setting
 * (name, type, default, bounds, reloadable, help); that table drives
 * parsing, validation, the output of `mashwatchd -t -d` and the man page.
 * The entries of the lists clocks, repeats and checks have tables of their
 * own.  Errors are collected, never stopped at the first, as
 * "FILE:LINE: message".
 */
#ifndef MASHWATCH_CONFIG_H
#define MASHWATCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mashwatch/address.h"
#include "mashwatch/timescale.h"

enum conf_type {
	CONF_STRING,		/* any string */
	CONF_IDENT,		/* [a-z_][a-z0-9_]*, at most 63 bytes: safe in SQL */
	CONF_PATH,		/* a path; relative paths are read from the config's folder */
	CONF_INT,		/* integer within [min, max] */
	CONF_FLOAT,		/* number within [min, max] */
	CONF_BOOL,
	CONF_TIME_OF_DAY,	/* "HH:MM" local time, stored as minutes after midnight */
	CONF_LIMIT,		/* timescale in hours, days or working days */
	CONF_WINDOW,		/* timescale that may also be in months */
	CONF_WEEKDAYS,		/* list of "Mon".."Sun", stored as a CAL_* bit mask */
	CONF_ADDRESSES,		/* an email address or a list of them */
	CONF_LIMIT_MAP,		/* group of priority = timescale; the count follows the array */
	CONF_FLOAT_MAP,		/* group of name = number within [min, max]; ditto */
	CONF_ENUM,		/* one of the strings in choices, stored as its index */
	CONF_HOSTS,		/* an IPv4 or IPv6 address or a list of them, as struct addresses */
};

struct conf_setting {
	const char	*name;		/* dotted path, e.g. "source.poll_interval" */
	enum conf_type	 type;
	const char	*def;		/* default as written in the file; NULL: required or none */
	bool		 required;	/* an error when missing (def is then NULL) */
	double		 min, max;	/* bounds for CONF_INT and CONF_FLOAT; min: least length of a string */
	bool		 reloadable;	/* takes effect on SIGHUP without a restart */
	bool		 secret_ok;	/* may hold a secret (refused if the file is readable by others) */
	const char	*const *choices;	/* CONF_ENUM: NULL-terminated */
	size_t		 offset;	/* into struct config (or clock_conf, ...) */
	const char	*help;
};

/* Tables of the top-level settings and of one entry of each list. */
const struct conf_setting *config_settings(size_t *n);
const struct conf_setting *config_clock_settings(size_t *n);
const struct conf_setting *config_repeat_settings(size_t *n);
const struct conf_setting *config_check_settings(size_t *n);

struct limit_entry {
	char			*priority;
	struct timescale	 limit;
};

struct float_entry {
	char	*name;
	double	 value;
};

struct addresses {
	char	**v;
	size_t	  n;
};

enum alert_on {
	ALERT_ON_OPEN,		/* warn and alert while the clock runs (default) */
	ALERT_ON_LATE_STOP,	/* only when it stops late: the police notification lag */
};

struct clock_conf {
	char			*name;
	char			*label;
	struct timescale	 limit;
	struct limit_entry	*limits;	/* per priority, overriding limit */
	size_t			 nlimits;
	bool			 has_warn;
	struct timescale	 warn_before;
	bool			 has_escalate;
	struct timescale	 escalate_after;
	int			 alert_on;	/* enum alert_on */
	char			*route;		/* a list in routes, or NULL */
	bool			 forecast;	/* in the daily forecast */
	int			 line;
};

struct repeat_conf {
	char			*name;
	char			*label;
	char			*kind;
	int			 min;
	struct timescale	 window;
	int			 line;
};

struct check_conf {
	char	*name;
	char	*label;
	int	 line;
};

struct team_route {
	char			*team_id;
	struct addresses	 manager;
	struct addresses	 escalation;
};

/* routes.NAME: a list of its own, which a clock's route = "NAME" selects. */
struct named_route {
	char			*name;
	struct addresses	 to;
	struct addresses	 escalation;	/* none: the team's escalation */
	int			 line;
};

enum transport {
	TRANSPORT_SMTP,
	TRANSPORT_SENDMAIL,
	TRANSPORT_DIRECTORY,
};

struct config {
	char	*path;

	struct {
		char	*conninfo;
		char	*schema;
		int	 poll_interval;
		int	 resync_interval;
		char	*listen;	/* "" disables LISTEN */
	} source;

	struct {
		char	*conninfo;	/* defaults to source.conninfo */
		int	 lease_ttl;
	} state;

	struct {
		char		*timezone;
		unsigned	 working_days;	/* CAL_* bit mask */
		char		*holidays;
	} calendar;

	struct clock_conf	*clocks;
	size_t			 nclocks;
	struct repeat_conf	*repeats;
	size_t			 nrepeats;
	struct check_conf	*checks;
	size_t			 nchecks;

	struct {
		int	amber;
		int	red;
	} caseloads;

	struct {
		struct addresses	 def;		/* "default" */
		struct addresses	 data_quality;
		struct addresses	 report;
		struct addresses	 forecast;	/* none: each team's escalation */
		struct team_route	*teams;
		size_t			 nteams;
		struct named_route	*named;
		size_t			 nnamed;
	} routes;

	struct {
		int			 transport;	/* enum transport */
		char			*smtp_url;
		char			*smtp_user;
		char			*password_file;
		bool			 require_starttls;
		char			*sendmail;
		char			*directory;
		char			*from;
		int			 group_wait;
		int			 group_interval;
		int			 max_items;	/* per email, then "and N more" */
		int			 reminder_at;	/* minutes after local midnight */
		int			 reminder_backoff;	/* working days */
		char			*link;
		bool			 ack_stops_escalation;
		int			 retry_max;	/* seconds between attempts at most */
		char			*working_hours;	/* "HH:MM-HH:MM" */
		int			 work_from;	/* minutes after midnight */
		int			 work_to;	/* ... up to 1440 */
		char			*allowed_domains;	/* "" for any */
		struct address_domains	 domains;	/* parsed */
		int			 send_timeout;	/* seconds one attempt holds its email */
	} notify;

	struct {
		int			 at;		/* minutes after local midnight */
		int			 weekly;	/* weekday of the weekly pack, 0 = Sunday */
		char			*archive;
		struct float_entry	*comparators;
		size_t			 ncomparators;
	} report;

	struct {
		int			 at;		/* minutes after local midnight */
		int			 alert_at;	/* projected breaches that email */
	} forecast;

	struct {
		char			*listen;	/* "" disables the HTTP server */
		bool			 board;		/* serve /board, /board.json, /ack */
		char			*user_header;	/* the proxy's identity header */
		struct addresses	 trusted_proxies;	/* IP addresses */
		struct addresses	 board_admins;	/* see every team */
		int			 board_max_items;	/* per team and section */
		int			 max_connections;
		int			 client_timeout;	/* seconds */
	} http;
};

/* Errors collected while loading: each "FILE:LINE: message". */
struct config_errors {
	char	**v;
	size_t	  n;
};

void config_errors_add(struct config_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void config_errors_clear(struct config_errors *e);

/*
 * Load and validate path.  On success returns a config the caller owns
 * (free with config_free); on failure returns NULL with every error found
 * in errs.  A file readable by others that holds a secret is refused.
 */
struct config *config_load(const char *path, struct config_errors *errs);
void config_free(struct config *cfg);

/*
 * Write every effective setting to fp, one "name = value;" line each in
 * the file's syntax, with passwords masked: the output of `mashwatchd -t -d`.
 */
void config_print(const struct config *cfg, FILE *fp);

/* The clock, repeat rule or check called name, or NULL. */
const struct clock_conf *config_clock(const struct config *cfg,
    const char *name);
const struct repeat_conf *config_repeat(const struct config *cfg,
    const char *name);
const struct check_conf *config_check(const struct config *cfg,
    const char *name);
/*
 * The limit of clock c for priority (NULL or "" for none).  Returns NULL
 * when the priority is not one the clock knows: the row is invalid.
 */
const struct timescale *config_clock_limit(const struct clock_conf *c,
    const char *priority);
/*
 * The limit a row of that priority is timed on: its own, or, for a
 * priority the clock does not list, the clock's limit (never NULL).
 */
const struct timescale *config_clock_timescale(const struct clock_conf *c,
    const char *priority);
/* The list routes.NAME, or NULL. */
const struct named_route *config_named_route(const struct config *cfg,
    const char *name);
/* The team's route, or NULL if the config names none for team_id. */
const struct team_route *config_team_route(const struct config *cfg,
    const char *team_id);

/*
 * Settings that differ between old and new but cannot change without a
 * restart: one message per setting, appended to errs.  Returns their
 * number.
 */
int config_unreloadable_changes(const struct config *old,
    const struct config *new_cfg, struct config_errors *errs);

#endif
