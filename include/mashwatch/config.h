/*
 * The configuration (libconfig syntax, mashwatch.conf(5)).
 *
 * Every scalar setting is declared once in a table of struct conf_setting
 * (name, type, default, bounds, reloadable, help); that table drives
 * parsing, validation, the output of `mashwatchd -t -d` and the man page.
 * The entries of the lists clocks, repeats, checks and reasons have tables
 * of their own.  Errors are collected, never stopped at the first, as
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
	CONF_AGE,		/* an age: "N hours", "N days" or "N months", never working days */
	CONF_WEEKDAYS,		/* list of "Mon".."Sun", stored as a CAL_* bit mask */
	CONF_ADDRESSES,		/* an email address or a list of them */
	CONF_LIMIT_MAP,		/* group of priority = timescale; the count follows the array */
	CONF_FLOAT_MAP,		/* group of name = number within [min, max]; ditto */
	CONF_ENUM,		/* one of the strings in choices, stored as its index */
	CONF_HOSTS,		/* an IPv4 or IPv6 address or a list of them, as struct addresses */
	CONF_DOMAINS,		/* a list of strings, or one string of them separated by
				   commas or blanks; stored as one string, ", " between */
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
const struct conf_setting *config_reason_settings(size_t *n);

struct limit_entry {
	char			*priority;
	struct timescale	 limit;
};

struct float_entry {
	char	*name;
	double	 value;		/* NaN when file names where it comes from */
	/*
	 * report.comparators only: an absolute path given instead of a
	 * number, the region's file (mashwatchctl region --format json),
	 * whose median the report shows; NULL for a number.
	 */
	char	*file;
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

/* A reason for lateness an acknowledgement may give. */
struct reason_conf {
	char	*code;
	char	*label;
	char	*agency;	/* NULL: the service's own */
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
	struct reason_conf	*reasons;
	size_t			 nreasons;

	struct {
		int	amber;
		int	red;
	} caseloads;

	struct {
		struct addresses	 def;		/* "default" */
		struct addresses	 data_quality;
		struct addresses	 report;
		struct addresses	 region;	/* the monthly regional extract */
		struct addresses	 partnership;
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
		bool			 reason_required;	/* for overdue and escalated */
	} ack;

	struct {
		char			*police_lag_clock;
		char			*attendance_check;
	} partnership;

	struct {
		int			 at;		/* minutes after local midnight */
		int			 weekly;	/* weekday of the weekly pack, 0 = Sunday */
		char			*archive;
		char			*authority;	/* "" unnamed */
		struct float_entry	*comparators;
		size_t			 ncomparators;
	} report;

	struct {
		struct timescale	 alerts;	/* after resolution */
		struct timescale	 outbox_files;	/* .eml files, by mtime */
		struct timescale	 reports;	/* the report archive */
	} retention;

	struct {
		int			 at;		/* minutes after local midnight */
		int			 alert_at;	/* projected breaches that email */
	} forecast;

	struct {
		char			*listen;	/* "" disables; "unix:PATH" a socket */
		char			*socket_group;	/* of the unix socket; "" none */
		char			*proxy_secret_file;	/* "" none */
		char			*proxy_secret;	/* its contents, read at load */
		char			*public_url;	/* scheme://host[:port] of the board */
		bool			 trusted_explicit;	/* trusted_proxies set in the file */
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
/*
 * s (a conninfo or URL) with every password replaced by asterisks to the
 * end of its value, in every form: key=value (quoted, with backslash
 * escapes, '&' part of the value), a URI's user:password@ and its
 * ?password=...& parameter.  The caller frees it.
 */
char *config_mask_secrets(const char *s);
/*
 * config_load of the bytes at read_path (a snapshot: /proc/self/fd/N) as if they
 * were the file name: relative paths, @include, the secret check and every
 * error message use name, never read_path.
 */
struct config *config_load_as(const char *read_path, const char *name,
    struct config_errors *errs);
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
/* The reason whose code is code, or NULL. */
const struct reason_conf *config_reason(const struct config *cfg,
    const char *code);
/*
 * The valid reason codes, "a, b, c" (or "none configured"), into buf
 * (truncated with "..." when it does not fit); returns buf.
 */
const char *config_reason_codes(const struct config *cfg, char *buf,
    size_t len);

enum reason_verdict {
	REASON_OK,		/* none given and none needed, or a known one */
	REASON_UNKNOWN,		/* a code the reasons list lacks */
	REASON_MISSING,		/* none given for an overdue item when required */
};
/*
 * Judge an acknowledgement's reason: code (NULL or "" for none) against
 * the reasons list, and, when ack.reason_required, whether an alert of
 * that level ("overdue", "escalated", ... ; NULL when not yet known)
 * needs one.  Pure, for mashwatchctl ack and the board alike.
 */
enum reason_verdict config_reason_check(const struct config *cfg,
    const char *code, const char *level);

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
