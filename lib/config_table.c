/*
 * The settings of mashwatch.conf, each declared once.  These tables drive
 * parsing, defaults, validation, `mashwatchd -t -d` and the man page; see
 * include/mashwatch/config.h for the meaning of each column.
 *
 * Defaults are written exactly as they would be in the file, so that the
 * loader reads them with the same code as the user's values.
 *
 * Reloadable (takes effect on SIGHUP): polling intervals, the calendar's
 * working days and holidays, clocks, repeats, checks, caseloads, routes,
 * everything under notify and report.  Not reloadable: the connection
 * strings, the source schema and LISTEN channel, the lease, the time zone
 * and the HTTP listener, because changing them means reconnecting,
 * re-electing a leader or recomputing every stored instant.
 */
#include <stddef.h>

#include "mashwatch/config.h"
#include "config_private.h"

#define CF(m)	offsetof(struct config, m)
#define CK(m)	offsetof(struct clock_conf, m)
#define RP(m)	offsetof(struct repeat_conf, m)
#define CH(m)	offsetof(struct check_conf, m)
#define RS(m)	offsetof(struct reason_conf, m)

const char *const conf_weekday_names[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char *const transport_choices[] = {
	"smtp", "sendmail", "directory", NULL
};

/* In cal_date_weekday order, so that the index is the weekday. */
static const char *const weekday_choices[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", NULL,
};
static const char *const alert_on_choices[] = {
	"open", "late_stop", NULL
};

static const struct conf_setting settings[] = {
	{ .name = "source.conninfo", .type = CONF_STRING,
	  .def = "\"service=mash\"", .min = 1, .secret_ok = true,
	  .offset = CF(source.conninfo),
	  .help = "libpq connection string of the source database.  Keep "
	  "passwords in libpq's password file, not here (the systemd unit "
	  "sets PGPASSFILE=/etc/mashwatch/pgpass and "
	  "PGSERVICEFILE=/etc/mashwatch/pg_service.conf).  Parsed "
	  "with libpq at start and by -t: one libpq refuses is a "
	  "configuration error (exit 78).  Its connect_timeout (default "
	  "10 s) bounds how long --once and mashwatchctl wait for it.  "
	  "Several hosts with target_session_attrs=read-write (\"host=db1,db2 "
	  "target_session_attrs=read-write\") follow a promoted replica: "
	  "the daemon reconnects to whichever is the primary." },
	{ .name = "source.schema", .type = CONF_IDENT, .def = "\"mash\"",
	  .min = 1, .offset = CF(source.schema),
	  .help = "Schema holding the views clocks, events, checks, caseloads "
	  "and teams." },
	{ .name = "source.poll_interval", .type = CONF_INT, .def = "30",
	  .min = 1, .max = 3600, .reloadable = true,
	  .offset = CF(source.poll_interval),
	  .help = "Seconds between incremental polls." },
	{ .name = "source.resync_interval", .type = CONF_INT, .def = "900",
	  .min = 10, .max = 86400, .reloadable = true,
	  .offset = CF(source.resync_interval),
	  .help = "Seconds between full resyncs, which notice deleted rows." },
	{ .name = "source.listen", .type = CONF_IDENT,
	  .def = "\"mash_changed\"",
	  .offset = CF(source.listen),
	  .help = "Channel to LISTEN on for wake-ups; \"\" disables." },

	{ .name = "state.conninfo", .type = CONF_STRING, .min = 1,
	  .secret_ok = true, .offset = CF(state.conninfo),
	  .help = "libpq connection string of the state database "
	  "(default: source.conninfo); checked like source.conninfo.  "
	  "Several hosts with target_session_attrs=read-write follow a "
	  "promoted replica, as for source.conninfo: the daemon reconnects to "
	  "the new primary and keeps its timers." },
	{ .name = "state.lease_ttl", .type = CONF_INT, .def = "6",
	  .min = 3, .max = 300, .offset = CF(state.lease_ttl),
	  .help = "Seconds a leader's lease lasts without renewal.  The "
	  "leader renews it every third of that; a standby asks every "
	  "second, so it takes over within this long plus one second of the "
	  "leader dying." },

	{ .name = "calendar.timezone", .type = CONF_STRING,
	  .def = "\"Europe/London\"", .min = 1,
	  .offset = CF(calendar.timezone),
	  .help = "Time zone of local dates and times of day." },
	{ .name = "calendar.working_days", .type = CONF_WEEKDAYS,
	  .def = "[ \"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\" ]",
	  .reloadable = true, .offset = CF(calendar.working_days),
	  .help = "Working weekdays, from \"Mon\" to \"Sun\"." },
	{ .name = "calendar.holidays", .type = CONF_PATH,
	  .def = "\"/etc/mashwatch/bank-holidays-england-and-wales.txt\"",
	  .min = 1, .reloadable = true, .offset = CF(calendar.holidays),
	  .help = "File of holidays, one YYYY-MM-DD per line; relative to "
	  "the config's folder." },

	{ .name = "caseloads.amber", .type = CONF_INT, .def = "18",
	  .min = 1, .max = 1000, .reloadable = true,
	  .offset = CF(caseloads.amber),
	  .help = "Open cases at or above which a worker is listed on the "
	  "board and a caseload alert resolves once the worker falls below "
	  "it; the nightly report counts a worker amber with more than this." },
	{ .name = "caseloads.red", .type = CONF_INT, .def = "20",
	  .min = 1, .max = 1000, .reloadable = true,
	  .offset = CF(caseloads.red),
	  .help = "Open cases at or above which a worker raises a caseload "
	  "alert to the team's manager and is red on the board (more than "
	  "amber); the nightly report counts a worker red with more than this." },

	{ .name = "routes.default", .type = CONF_ADDRESSES, .reloadable = true,
	  .offset = CF(routes.def),
	  .help = "Where alerts go when their team has no usable address.  "
	  "Besides default, data_quality, report, region, partnership, "
	  "forecast and teams, routes may hold "
	  "lists of your own, NAME = [ ... ] or NAME = { to = [ ... ]; "
	  "escalation = [ ... ]; }, which a clock selects with route = "
	  "\"NAME\"." },
	{ .name = "routes.data_quality", .type = CONF_ADDRESSES,
	  .reloadable = true, .offset = CF(routes.data_quality),
	  .help = "Where invalid rows are reported (empty: routes.default)." },
	{ .name = "routes.report", .type = CONF_ADDRESSES, .reloadable = true,
	  .offset = CF(routes.report),
	  .help = "Recipients of the nightly report; none: no report is made." },
	{ .name = "routes.region", .type = CONF_ADDRESSES, .reloadable = true,
	  .offset = CF(routes.region),
	  .help = "Where the monthly pack's regional extract goes, alone in "
	  "an email of its own (counts and medians, no child or worker id; "
	  "mashwatchctl region reads it); empty: archived only." },
	{ .name = "routes.partnership", .type = CONF_ADDRESSES,
	  .reloadable = true, .offset = CF(routes.partnership),
	  .help = "Recipients of the monthly partnership pack (what waits on "
	  "the police, health and education; the police's notification lag; "
	  "strategy discussions without police or health; contacts by "
	  "source), sent on the 1st at report.at for the month before; none: "
	  "no pack is sent (mashwatchctl report --partnership still makes "
	  "one)." },
	{ .name = "routes.forecast", .type = CONF_ADDRESSES,
	  .reloadable = true, .offset = CF(routes.forecast),
	  .help = "Where the daily forecast email goes (none: the escalation "
	  "route of each team concerned, as an escalation of the clock would "
	  "go)." },

	{ .name = "notify.transport", .type = CONF_ENUM, .def = "\"smtp\"",
	  .reloadable = true, .choices = transport_choices,
	  .offset = CF(notify.transport),
	  .help = "How email leaves: \"smtp\", \"sendmail\" or "
	  "\"directory\"." },
	{ .name = "notify.smtp_url", .type = CONF_STRING,
	  .def = "\"smtp://localhost:25\"", .min = 1, .reloadable = true,
	  .secret_ok = true, .offset = CF(notify.smtp_url),
	  .help = "smtp:// or smtps:// URL of the relay; no password in it." },
	{ .name = "notify.smtp_user", .type = CONF_STRING, .def = "\"\"",
	  .reloadable = true, .offset = CF(notify.smtp_user),
	  .help = "SMTP user name; \"\" for none." },
	{ .name = "notify.password_file", .type = CONF_PATH, .def = "\"\"",
	  .reloadable = true, .offset = CF(notify.password_file),
	  .help = "File holding the SMTP password, readable by mashwatch "
	  "only." },
	{ .name = "notify.require_starttls", .type = CONF_BOOL, .def = "true",
	  .reloadable = true, .offset = CF(notify.require_starttls),
	  .help = "Refuse an smtp:// relay that does not offer STARTTLS." },
	{ .name = "notify.sendmail", .type = CONF_PATH,
	  .def = "\"/usr/sbin/sendmail\"", .min = 1, .reloadable = true,
	  .offset = CF(notify.sendmail),
	  .help = "sendmail program for the sendmail transport." },
	{ .name = "notify.directory", .type = CONF_PATH,
	  .def = "\"/var/lib/mashwatch/outbox\"", .min = 1, .reloadable = true,
	  .offset = CF(notify.directory),
	  .help = "Folder of .eml files for the directory transport." },
	{ .name = "notify.from", .type = CONF_STRING,
	  .def = "\"mashwatch@localhost\"", .min = 1, .reloadable = true,
	  .offset = CF(notify.from),
	  .help = "Sender address of every email." },
	{ .name = "notify.group_wait", .type = CONF_INT, .def = "0",
	  .min = 0, .max = 3600, .reloadable = true,
	  .offset = CF(notify.group_wait),
	  .help = "Seconds to gather routine alerts for a route before "
	  "sending the first email.  Urgent alerts (a clock whose limit, "
	  "after its priority, is in hours) never wait." },
	{ .name = "notify.group_interval", .type = CONF_INT, .def = "300",
	  .min = 0, .max = 86400, .reloadable = true,
	  .offset = CF(notify.group_interval),
	  .help = "Seconds between two emails of routine alerts to one "
	  "route, at least." },
	{ .name = "notify.max_items", .type = CONF_INT, .def = "200",
	  .min = 1, .max = 100000, .reloadable = true,
	  .offset = CF(notify.max_items),
	  .help = "Most items one email lists; it then says how many more "
	  "there are.  A data-quality email lists at most 50 references "
	  "(fewer if this is lower) after its counts per view and reason, "
	  "and points to mashwatchd --once for the rest." },
	{ .name = "notify.working_hours", .type = CONF_STRING,
	  .def = "\"08:00-18:00\"", .min = 1, .reloadable = true,
	  .offset = CF(notify.working_hours),
	  .help = "Local hours (\"HH:MM-HH:MM\", end up to 24:00) of the "
	  "calendar's working days within which routine alerts are emailed; "
	  "what fires outside is held for the next morning digest.  Urgent "
	  "alerts go at any hour." },
	{ .name = "notify.allowed_domains", .type = CONF_DOMAINS, .def = "[]",
	  .reloadable = true, .offset = CF(notify.allowed_domains),
	  .help = "Domains every recipient must be in, a list as every other "
	  "(\"[ \"example.org\", \"example.gov.uk\" ]\"; the older one "
	  "string \"example.org, example.gov.uk\" is read too); [] or \"\" "
	  "allows any.  A config address outside them is an error; one from "
	  "the teams view is dropped with a data-quality finding." },
	{ .name = "notify.reminder_at", .type = CONF_TIME_OF_DAY,
	  .def = "\"08:30\"", .reloadable = true,
	  .offset = CF(notify.reminder_at),
	  .help = "Local time of the morning digest: one per route and "
	  "working day, listing what is new since the last email (with what "
	  "was held overnight), what is still open and not acknowledged, and "
	  "what was resolved since the last digest; a daemon started later "
	  "sends that day's digest once, at start." },
	{ .name = "notify.reminder_backoff", .type = CONF_INT, .def = "5",
	  .min = 1, .max = 60, .reloadable = true,
	  .offset = CF(notify.reminder_backoff),
	  .help = "Working days after which an item is in every second "
	  "digest only." },
	{ .name = "notify.link", .type = CONF_STRING, .def = "\"\"",
	  .reloadable = true, .offset = CF(notify.link),
	  .help = "Link template for a child's record, with {child} and "
	  "optionally {instance}; \"\" for none." },
	{ .name = "notify.ack_stops_escalation", .type = CONF_BOOL,
	  .def = "false", .reloadable = true,
	  .offset = CF(notify.ack_stops_escalation),
	  .help = "Whether an acknowledgement also stops escalation." },
	{ .name = "notify.retry_max", .type = CONF_INT, .def = "3600",
	  .min = 60, .max = 86400, .reloadable = true,
	  .offset = CF(notify.retry_max),
	  .help = "Longest wait in seconds between two attempts to send." },
	{ .name = "notify.send_timeout", .type = CONF_INT, .def = "30",
	  .min = 5, .max = 600, .reloadable = true,
	  .offset = CF(notify.send_timeout),
	  .help = "Seconds one attempt may take to send an email (libcurl's "
	  "connect and transfer timeouts and the sendmail child fit inside "
	  "it); an attempt cut off by a crash is taken again after this long." },

	{ .name = "ack.reason_required", .type = CONF_BOOL, .def = "false",
	  .reloadable = true, .offset = CF(ack.reason_required),
	  .help = "Whether acknowledging an overdue or escalated alert needs "
	  "a reason from the reasons list (mashwatchctl ack --reason, the "
	  "board's Reason select, reason in POST /ack); without one the "
	  "acknowledgement is refused with the valid codes.  Alerts that are "
	  "only due soon never need one." },

	{ .name = "partnership.police_lag_clock", .type = CONF_IDENT,
	  .def = "\"police_notification_lag\"", .min = 1, .reloadable = true,
	  .offset = CF(partnership.police_lag_clock),
	  .help = "The clock whose start is the incident and whose stop is "
	  "the notification's arrival at the MASH: the partnership pack's "
	  "police notification lag (median and 90th percentile working days, "
	  "per month, 13 months)." },
	{ .name = "partnership.attendance_check", .type = CONF_IDENT,
	  .def = "\"strategy_attendance\"", .min = 1, .reloadable = true,
	  .offset = CF(partnership.attendance_check),
	  .help = "The check (mash.checks.check_name) that fails a strategy "
	  "discussion held without police or health; the pack counts its "
	  "rows of the month, and the agencies its detail names after "
	  "\"absent: \" (as the reference mapping writes it)." },

	{ .name = "report.at", .type = CONF_TIME_OF_DAY, .def = "\"07:00\"",
	  .reloadable = true, .offset = CF(report.at),
	  .help = "Local time of the nightly report on the previous day.  "
	  "On a state database that has never run, the first start sends "
	  "no report or pack whose run came before it (mashwatchd(8), "
	  "GO-LIVE)." },
	{ .name = "report.weekly", .type = CONF_ENUM, .def = "\"Mon\"",
	  .reloadable = true, .choices = weekday_choices,
	  .offset = CF(report.weekly),
	  .help = "Day of the weekly pack on the Monday to Sunday week "
	  "before it (\"Mon\" .. \"Sun\"); the monthly pack goes on the "
	  "1st.  Both at report.at." },
	{ .name = "report.archive", .type = CONF_PATH,
	  .def = "\"/var/lib/mashwatch/reports\"", .min = 1, .reloadable = true,
	  .offset = CF(report.archive),
	  .help = "Folder where reports and packs are kept as .html, .csv "
	  "(one per table too) and .json." },
	{ .name = "report.comparators", .type = CONF_FLOAT_MAP,
	  .def = "{ statistical_neighbours = 0.21; england = 0.24; }",
	  .min = 0, .max = 1, .reloadable = true,
	  .offset = CF(report.comparators),
	  .help = "Re-referral rates to show beside ours, as fractions; "
	  "a value may instead be the absolute path of the region's file "
	  "(mashwatchctl region --format json), whose median re-referral "
	  "rate is then shown (null, with a warning, when it cannot be "
	  "read)." },
	{ .name = "report.authority", .type = CONF_STRING, .def = "\"\"",
	  .reloadable = true, .offset = CF(report.authority),
	  .help = "The authority's name in the regional extract of the "
	  "monthly pack (mashwatchctl region); \"\": the extract's file "
	  "name stands for it." },

	{ .name = "retention.alerts", .type = CONF_AGE,
	  .def = "\"400 days\"", .reloadable = true,
	  .offset = CF(retention.alerts),
	  .help = "How long an alert is kept after it was resolved, with its "
	  "outbox rows, acknowledgements and the emails that named only "
	  "purged alerts; digests' ledger rows and sent emails' attempts "
	  "as long.  An alert still open, or resolved within the last 15 "
	  "weeks (the report's 13-week trends, with two weeks to spare for "
	  "a pack), is never purged, whatever this says.  The leader purges once a day after report.at; "
	  "`mashwatchctl purge` does it by hand.  \"N hours\", \"N days\" "
	  "or \"N months\"." },
	{ .name = "retention.outbox_files", .type = CONF_AGE,
	  .def = "\"30 days\"", .reloadable = true,
	  .offset = CF(retention.outbox_files),
	  .help = "How long the .eml files of the directory transport are "
	  "kept in notify.directory (by modification time); other files "
	  "there are never touched." },
	{ .name = "retention.reports", .type = CONF_AGE,
	  .def = "\"400 days\"", .reloadable = true,
	  .offset = CF(retention.reports),
	  .help = "How long reports and packs are kept in report.archive "
	  "by the last date of the period each covers: their files and "
	  "their rows in the state database.  The report's trends are read "
	  "from the source, not from the archive." },

	{ .name = "forecast.at", .type = CONF_TIME_OF_DAY, .def = "\"15:00\"",
	  .reloadable = true, .offset = CF(forecast.at),
	  .help = "Local time, on working days, of the forecast of the clocks "
	  "with forecast = true: per clock and team, open (running, not yet "
	  "due), due_next (of those, due by the end of the next working day), "
	  "throughput (clocks stopped per working day, the mean over the last "
	  "20 working days) and projected_breaches (due_next less throughput, "
	  "rounded down, at least 0).  Example: 48 contacts due by the end of "
	  "tomorrow and 35 decided a day on average make 13 likely to be "
	  "late.  mashwatchd --once prints the figures as \"forecast\" lines "
	  "and the board and the nightly report show them." },
	{ .name = "forecast.alert_at", .type = CONF_INT, .def = "1",
	  .min = 1, .max = 100000, .reloadable = true,
	  .offset = CF(forecast.alert_at),
	  .help = "Projected breaches of a clock at or above which the "
	  "forecast is emailed (\"Tomorrow 48 contacts fall due; about 35 are "
	  "decided a day; about 13 will be late\", with the figures per "
	  "team) to routes.forecast, else to each team's escalation route; at "
	  "most one email per clock, team and day." },

	{ .name = "http.listen", .type = CONF_STRING,
	  .def = "\"127.0.0.1:9187\"", .offset = CF(http.listen),
	  .help = "HOST:PORT of /healthz, /readyz and /metrics (and the "
	  "board), or \"unix:/run/mashwatch/board.sock\" for a Unix socket "
	  "(mode 0660, group http.socket_group) that only the proxy's user "
	  "can open; \"\" disables." },
	{ .name = "http.socket_group", .type = CONF_STRING, .def = "\"\"",
	  .offset = CF(http.socket_group),
	  .help = "Group of the Unix socket of http.listen (e.g. "
	  "\"www-data\", the proxy's); \"\" keeps the daemon's own group." },
	{ .name = "http.proxy_secret_file", .type = CONF_PATH, .def = "\"\"",
	  .reloadable = true, .offset = CF(http.proxy_secret_file),
	  .help = "File (not readable by others) holding a secret the "
	  "proxy sends in the header X-Mashwatch-Proxy; when set, a board "
	  "request without it gets 401 from any address, loopback "
	  "included.  A board on TCP needs this, a Unix socket, or "
	  "http.trusted_proxies set to addresses other than loopback." },
	{ .name = "http.public_url", .type = CONF_STRING, .def = "\"\"",
	  .reloadable = true, .offset = CF(http.public_url),
	  .help = "scheme://host[:port] at which users open the board "
	  "(the proxy's address); a POST /ack is taken only with this "
	  "Origin.  Required when http.board is on." },
	{ .name = "http.board", .type = CONF_BOOL, .def = "false",
	  .reloadable = true, .offset = CF(http.board),
	  .help = "Serve the managers' board: /board, /board.json and "
	  "POST /ack.  Put it behind a reverse proxy that authenticates." },
	{ .name = "http.user_header", .type = CONF_STRING,
	  .def = "\"X-Remote-User\"", .min = 1, .reloadable = true,
	  .offset = CF(http.user_header),
	  .help = "Request header holding the user's email address, set by "
	  "the reverse proxy after single sign-on." },
	{ .name = "http.trusted_proxies", .type = CONF_HOSTS,
	  .def = "[ \"127.0.0.1\", \"::1\" ]", .reloadable = true,
	  .offset = CF(http.trusted_proxies),
	  .help = "Addresses whose user header is believed; the board "
	  "answers anyone else 401.  Being on loopback is not an identity: "
	  "a board on TCP also needs http.proxy_secret_file unless this is "
	  "set to addresses other than loopback." },
	{ .name = "http.board_admins", .type = CONF_ADDRESSES,
	  .reloadable = true, .offset = CF(http.board_admins),
	  .help = "Users who see every team on the board (so do the "
	  "addresses of routes.report)." },
	{ .name = "http.board_max_items", .type = CONF_INT, .def = "100",
	  .min = 10, .max = 100000, .reloadable = true,
	  .offset = CF(http.board_max_items),
	  .help = "Items listed per team on the board, oldest due first; the "
	  "rest are counted (the filter by clock and state reaches them).  "
	  "Each one is about 300 bytes of every answer." },
	{ .name = "http.max_connections", .type = CONF_INT, .def = "256",
	  .min = 4, .max = 65536, .reloadable = true,
	  .offset = CF(http.max_connections),
	  .help = "Open HTTP connections at most; more wait in the kernel's "
	  "backlog." },
	{ .name = "http.client_timeout", .type = CONF_INT, .def = "10",
	  .min = 1, .max = 300, .reloadable = true,
	  .offset = CF(http.client_timeout),
	  .help = "Seconds a client has to send a whole request, and that an "
	  "idle connection is kept." },
};

/*
 * One team of routes.teams.  Not exported: teams are named by the site,
 * so `-t -d` and the man page describe them apart from the other lists.
 */
static const struct conf_setting team_settings[] = {
	{ .name = "manager", .type = CONF_ADDRESSES, .reloadable = true,
	  .offset = offsetof(struct team_route, manager),
	  .help = "The team's managers: new, due and overdue alerts." },
	{ .name = "escalation", .type = CONF_ADDRESSES, .reloadable = true,
	  .offset = offsetof(struct team_route, escalation),
	  .help = "Where escalations go (none: the team's escalation_email "
	  "in the teams view, else routes.default)." },
};

/*
 * One list of routes besides default, data_quality, report, region,
 * partnership, forecast and teams.
 */
static const struct conf_setting named_route_settings[] = {
	{ .name = "to", .type = CONF_ADDRESSES, .required = true,
	  .reloadable = true, .offset = offsetof(struct named_route, to),
	  .help = "Who gets the alerts of the clocks that name this route." },
	{ .name = "escalation", .type = CONF_ADDRESSES, .reloadable = true,
	  .offset = offsetof(struct named_route, escalation),
	  .help = "Where their escalations go (none: the team's)." },
};

static const struct conf_setting clock_settings[] = {
	{ .name = "name", .type = CONF_IDENT, .required = true, .min = 1,
	  .reloadable = true, .offset = CK(name),
	  .help = "The clock's name, as in mash.clocks.clock." },
	{ .name = "label", .type = CONF_STRING, .min = 1, .reloadable = true,
	  .offset = CK(label),
	  .help = "Title in emails and the report (default: the name)." },
	{ .name = "limit", .type = CONF_LIMIT, .required = true,
	  .reloadable = true, .offset = CK(limit),
	  .help = "Time allowed when the row has no priority, or one that "
	  "limits does not list." },
	{ .name = "limits", .type = CONF_LIMIT_MAP, .reloadable = true,
	  .offset = CK(limits),
	  .help = "Time allowed per priority (mash.clocks.priority).  A row "
	  "with a priority not listed is still timed, on limit, and reported "
	  "as a data-quality finding." },
	{ .name = "warn_before", .type = CONF_LIMIT, .reloadable = true,
	  .offset = CK(warn_before),
	  .help = "How long before the deadline to warn (default: never)." },
	{ .name = "escalate_after", .type = CONF_LIMIT, .reloadable = true,
	  .offset = CK(escalate_after),
	  .help = "How long after the deadline to escalate (default: never)." },
	{ .name = "alert_on", .type = CONF_ENUM, .def = "\"open\"",
	  .reloadable = true, .choices = alert_on_choices,
	  .offset = CK(alert_on),
	  .help = "\"open\": alert while it runs; \"late_stop\": only when it "
	  "stops late." },
	{ .name = "route", .type = CONF_IDENT, .reloadable = true,
	  .offset = CK(route),
	  .help = "A list in routes (route = \"police\" for routes.police) "
	  "that gets this clock's alerts instead of the team's manager; its "
	  "escalations go to that list's escalation, else the team's, else "
	  "routes.default." },
	{ .name = "forecast", .type = CONF_BOOL, .def = "false",
	  .reloadable = true, .offset = CK(forecast),
	  .help = "Include this clock in the daily forecast at forecast.at "
	  "(what will be late tomorrow at the current pace)." },
};

static const struct conf_setting repeat_settings[] = {
	{ .name = "name", .type = CONF_IDENT, .required = true, .min = 1,
	  .reloadable = true, .offset = RP(name),
	  .help = "The rule's name." },
	{ .name = "label", .type = CONF_STRING, .min = 1, .reloadable = true,
	  .offset = RP(label),
	  .help = "Title in emails and the report (default: the name)." },
	{ .name = "kind", .type = CONF_IDENT, .required = true, .min = 1,
	  .reloadable = true, .offset = RP(kind),
	  .help = "Event kind counted, as in mash.events.kind." },
	{ .name = "min", .type = CONF_INT, .def = "2", .min = 2, .max = 1000,
	  .reloadable = true, .offset = RP(min),
	  .help = "Events of one child within the window that raise an "
	  "alert." },
	{ .name = "window", .type = CONF_WINDOW, .required = true,
	  .reloadable = true, .offset = RP(window),
	  .help = "How far back events count, e.g. \"3 months\"." },
};

static const struct conf_setting check_settings[] = {
	{ .name = "name", .type = CONF_IDENT, .required = true, .min = 1,
	  .reloadable = true, .offset = CH(name),
	  .help = "The check's name, as in mash.checks.check_name." },
	{ .name = "label", .type = CONF_STRING, .min = 1, .reloadable = true,
	  .offset = CH(label),
	  .help = "Title in emails and the report (default: the name)." },
};

/*
 * One reason for lateness.  The agency is what the partnership pack and
 * the report's exceptions count by; a reason without one is internal.
 */
static const struct conf_setting reason_settings[] = {
	{ .name = "code", .type = CONF_IDENT, .required = true, .min = 1,
	  .reloadable = true, .offset = RS(code),
	  .help = "What an acknowledgement gives (mashwatchctl ack --reason "
	  "police_unavailable); stored with the acknowledgement, so keep a "
	  "code's meaning once it has been used." },
	{ .name = "label", .type = CONF_STRING, .min = 1, .reloadable = true,
	  .offset = RS(label),
	  .help = "What emails, the board and the report show (default: the "
	  "code)." },
	{ .name = "agency", .type = CONF_IDENT, .reloadable = true,
	  .offset = RS(agency),
	  .help = "The partner the lateness waits on (\"police\", "
	  "\"health\", \"education\", ...); none for a reason of the "
	  "service's own." },
};

const struct conf_setting *
config_settings(size_t *n)
{
	*n = NELEM(settings);
	return settings;
}

const struct conf_setting *
config_clock_settings(size_t *n)
{
	*n = NELEM(clock_settings);
	return clock_settings;
}

const struct conf_setting *
config_repeat_settings(size_t *n)
{
	*n = NELEM(repeat_settings);
	return repeat_settings;
}

const struct conf_setting *
config_check_settings(size_t *n)
{
	*n = NELEM(check_settings);
	return check_settings;
}

const struct conf_setting *
config_reason_settings(size_t *n)
{
	*n = NELEM(reason_settings);
	return reason_settings;
}

const struct conf_setting *
conf_named_route_settings(size_t *n)
{
	*n = NELEM(named_route_settings);
	return named_route_settings;
}

const struct conf_setting *
conf_team_settings(size_t *n)
{
	*n = NELEM(team_settings);
	return team_settings;
}
