/*
 * mashwatchd -t: what would fail once running, found before it runs
 * (preflight.h).  Each check prints its own line and counts; nothing here
 * stops at the first problem, so one run lists them all.
 */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "mashwatch/xmalloc.h"

#include "preflight.h"
#include "setup.h"

#define PROG	"mashwatchd"

/* libpq's compiled-in PGSYSCONFDIR (pg_config --sysconfdir), from the Makefile. */
#ifndef PREFLIGHT_PG_SYSCONFDIR
#define PREFLIGHT_PG_SYSCONFDIR	"/etc/postgresql-common"
#endif

/*
 * A file the daemon will read: it must exist and be a regular file it can
 * read; a secret must not be readable, writable or executable by others,
 * and nothing it trusts may be writable by others.
 */
static int
check_file(const char *setting, const char *path, bool secret, FILE *fp)
{
	struct stat st;
	int bad = 1;

	if (stat(path, &st) < 0)
		fprintf(fp, PROG ": %s: %s: %s\n", setting, path,
		    strerror(errno));
	else if (!S_ISREG(st.st_mode))
		fprintf(fp, PROG ": %s: %s: not a regular file\n", setting,
		    path);
	else if (access(path, R_OK) < 0)
		fprintf(fp, PROG ": %s: %s: cannot be read: %s\n", setting,
		    path, strerror(errno));
	else if (secret && (st.st_mode & S_IRWXO))
		fprintf(fp, PROG ": %s: %s: others have access to it (mode "
		    "%04o); the daemon refuses it: chmod o-rwx\n", setting, path,
		    (unsigned)(st.st_mode & 07777));
	else if (st.st_mode & S_IWOTH)
		fprintf(fp, PROG ": %s: %s: anyone may write it (mode %04o): "
		    "chmod o-w\n", setting, path,
		    (unsigned)(st.st_mode & 07777));
	else
		bad = 0;
	return bad;
}

/*
 * Every file the config names that the daemon reads later, not at start.
 * http.proxy_secret_file is not here: the config reads and checks it as
 * it loads (lib/config.c), so -t has refused a bad one already.
 */
static int
check_files(const struct config *cfg, FILE *fp)
{
	int bad = 0;

	if (cfg->notify.transport == TRANSPORT_SMTP &&
	    cfg->notify.password_file[0] != '\0')
		bad += check_file("notify.password_file",
		    cfg->notify.password_file, true, fp);
	if (cfg->notify.transport == TRANSPORT_SMTP &&
	    cfg->notify.smtp_user[0] != '\0' &&
	    cfg->notify.password_file[0] == '\0')
		fprintf(fp, PROG ": warning: notify.smtp_user is set but "
		    "notify.password_file is not: AUTH will have no "
		    "password\n");
	if (cfg->calendar.holidays[0] != '\0')
		bad += check_file("calendar.holidays", cfg->calendar.holidays,
		    false, fp);
	if (cfg->notify.transport == TRANSPORT_SENDMAIL &&
	    access(cfg->notify.sendmail, X_OK) < 0) {
		fprintf(fp, PROG ": notify.sendmail: %s: cannot be run: %s\n",
		    cfg->notify.sendmail, strerror(errno));
		bad++;
	}
	return bad;
}

/* Whether the service file at path has a [name] section; -1 if unreadable. */
static int
service_in_file(const char *path, const char *name)
{
	char line[1024];
	size_t len = strlen(name);
	FILE *f = fopen(path, "r");
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *p = line + strspn(line, " \t");

		found = p[0] == '[' && strncmp(p + 1, name, len) == 0 &&
		    p[len + 1] == ']';
	}
	fclose(f);
	return found;
}

/*
 * As libpq looks a service up: first PGSERVICEFILE, or ~/.pg_service.conf
 * when it is not set; then PGSYSCONFDIR/pg_service.conf (libpq's compiled-
 * in directory when PGSYSCONFDIR is not set).  0 when found, else 1 with
 * the files named.
 */
static int
check_service(const char *setting, const char *name, FILE *fp)
{
	const char *env = getenv("PGSERVICEFILE"), *sys = getenv("PGSYSCONFDIR");
	const char *home = getenv("HOME");
	struct passwd *pw;
	char *user = NULL, *sysfile;
	int bad = 1;

	if (env != NULL && env[0] != '\0')
		user = xstrdup(env);
	else {
		if ((home == NULL || home[0] == '\0') &&
		    (pw = getpwuid(geteuid())) != NULL)
			home = pw->pw_dir;
		if (home != NULL)
			user = xasprintf("%s/.pg_service.conf", home);
	}
	sysfile = xasprintf("%s/pg_service.conf", sys != NULL && sys[0] != '\0' ?
	    sys : PREFLIGHT_PG_SYSCONFDIR);
	if ((user != NULL && service_in_file(user, name) == 1) ||
	    service_in_file(sysfile, name) == 1)
		bad = 0;
	else
		fprintf(fp, PROG ": %s: service \"%s\" is not defined in %s%s%s "
		    "(the files libpq reads%s)\n", setting, name,
		    user ? user : "", user ? " or " : "", sysfile,
		    env != NULL && env[0] != '\0' ? "" :
		    "; set PGSERVICEFILE as the systemd unit does");
	free(user);
	free(sysfile);
	return bad;
}

/* service= in a connection string, else PGSERVICE, as libpq takes them. */
static int
check_services(const struct config *cfg, FILE *fp)
{
	struct setup_conninfo v[SETUP_NCONNINFO];
	const char *env = getenv("PGSERVICE");
	int bad = 0;

	setup_conninfos(cfg, v);
	for (size_t i = 0; i < SETUP_NCONNINFO; i++) {
		PQconninfoOption *opts, *o;
		const char *service = NULL;

		/* Unparsable strings were reported by setup_config already. */
		if ((opts = PQconninfoParse(v[i].value, NULL)) == NULL)
			continue;
		for (o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, "service") == 0 &&
			    o->val != NULL && o->val[0] != '\0')
				service = o->val;
		if (service == NULL && env != NULL && env[0] != '\0')
			service = env;
		if (service != NULL)
			bad += check_service(v[i].name, service, fp);
		PQconninfoFree(opts);
	}
	return bad;
}

int64_t
preflight_holidays_until(const struct calendar *cal)
{
	int last = calendar_last_year(cal);

	if (last == 0)
		return 0;
	return calendar_start_of(cal, (struct cal_date){ last + 1, 1, 1 });
}

/*
 * Today beyond the list is an error (holidays are being missed now); the
 * year ahead beyond it a warning naming its last year.  An empty list is
 * a site that declares no holidays.
 */
static int
check_holidays(const struct config *cfg, const struct calendar *cal,
    int64_t now, FILE *fp)
{
	int64_t until = preflight_holidays_until(cal);
	struct cal_date d;
	int bad = 0;

	if (cfg->calendar.holidays[0] == '\0' || until == 0)
		return 0;
	if (now >= until) {
		d = calendar_date_of(cal, now);
		fprintf(fp, PROG ": calendar.holidays: %s ends with %d: today "
		    "(%04d-%02d-%02d) is beyond it, so no holiday is counted "
		    "and deadlines fall on bank holidays; add the coming "
		    "years\n", cfg->calendar.holidays, calendar_last_year(cal),
		    d.year, d.month, d.day);
		bad = 1;
	} else if (now + (int64_t)PREFLIGHT_HOLIDAYS_AHEAD * 86400 >= until)
		fprintf(fp, PROG ": warning: calendar.holidays: %s covers up to "
		    "the end of %d only: add the next year's holidays before "
		    "then\n", cfg->calendar.holidays, calendar_last_year(cal));
	return bad;
}

int
preflight_offline(const struct config *cfg, const struct calendar *cal,
    int64_t now, FILE *fp)
{
	return check_files(cfg, fp) + check_services(cfg, fp) +
	    check_holidays(cfg, cal, now, fp);
}

/* The relay's last reply line, for saying why it failed. */
struct probe {
	char	last[256];
};

static int
probe_debug(CURL *c, curl_infotype type, char *data, size_t len, void *arg)
{
	struct probe *p = arg;

	(void)c;
	if (type == CURLINFO_HEADER_IN) {
		while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
			len--;
		if (len >= sizeof(p->last))
			len = sizeof(p->last) - 1;
		memcpy(p->last, data, len);
		p->last[len] = '\0';
	}
	return 0;
}

/*
 * The relay as the transport uses it, up to the end of the handshake:
 * libcurl's CONNECT_ONLY stops after the greeting, EHLO, STARTTLS and
 * AUTH, before MAIL FROM.
 */
static int
check_smtp(const struct config *cfg, FILE *fp)
{
	struct probe p = { "" };
	char errbuf[CURL_ERROR_SIZE] = "", *password = NULL;
	CURL *c = NULL;
	CURLcode rc;
	int bad = 1;

	if (cfg->notify.smtp_user[0] != '\0' &&
	    cfg->notify.password_file[0] != '\0') {
		FILE *f = fopen(cfg->notify.password_file, "r");
		char buf[1024];

		if (f == NULL || fgets(buf, sizeof(buf), f) == NULL) {
			fprintf(fp, PROG ": smtp relay: notify.password_file: "
			    "%s: cannot be read\n", cfg->notify.password_file);
			if (f != NULL)
				fclose(f);
			goto out;
		}
		fclose(f);
		buf[strcspn(buf, "\r\n")] = '\0';
		password = xstrdup(buf);
		explicit_bzero(buf, sizeof(buf));
	}
	if ((c = curl_easy_init()) == NULL) {
		fprintf(fp, PROG ": smtp relay: cannot start libcurl\n");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, cfg->notify.smtp_url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->notify.send_timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, probe_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &p);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);	/* feeds probe_debug only */
	if (cfg->notify.require_starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->notify.smtp_user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->notify.smtp_user);
		if (password != NULL)
			curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		fprintf(fp, PROG ": smtp relay: %s: %s%s%s\n",
		    cfg->notify.smtp_url, errbuf[0] ? errbuf :
		    curl_easy_strerror(rc), p.last[0] ? "; last reply: " : "",
		    p.last);
		goto out;
	}
	printf("smtp relay %s: ok (EHLO%s%s, nothing sent)\n",
	    cfg->notify.smtp_url, cfg->notify.require_starttls ?
	    ", STARTTLS" : "", cfg->notify.smtp_user[0] ? ", AUTH" : "");
	bad = 0;
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return bad;
}

int
preflight_connect(const struct config *cfg, FILE *fp)
{
	PGconn *conn;
	int bad = 0, rc;

	/* setup_connect's own line says why; ours names the database. */
	if ((conn = setup_connect(cfg->source.conninfo, "source")) == NULL) {
		fprintf(fp, PROG ": source database: cannot connect\n");
		bad++;
	} else {
		printf("source database: ok\n");
		PQfinish(conn);
	}
	if ((conn = setup_state_connect(cfg, PROG, &rc)) == NULL) {
		fprintf(fp, PROG ": state database: %s\n", rc == EX_CONFIG ?
		    "wrong schema version" : "cannot connect");
		bad++;
	} else {
		printf("state database: ok (schema version %d)\n",
		    setup_schema_wanted());
		PQfinish(conn);
	}
	if (cfg->notify.transport == TRANSPORT_SMTP)
		bad += check_smtp(cfg, fp);
	return bad;
}
