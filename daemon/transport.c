/*
 * The three transports.  smtp follows libcurl's hiperfifo pattern: the
 * multi handle tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION)
 * and when to wake (CURLMOPT_TIMERFUNCTION); the loop calls back into
 * curl_multi_socket_action.  The server's replies are collected through
 * the debug callback so that the audit holds the real text.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "mashwatch/xmalloc.h"

#include "log.h"
#include "transport.h"

#define SENDMAIL_POLL_US	20000

struct mailer {
	struct event_base	*base;
	const struct config	*cfg;
	bool			 busy;
	void			(*cb)(void *, const struct tx_result *);
	void			*cb_arg;
	struct tx_result	 result;
	char			*msg;		/* the message in flight */
	size_t			 len, off;

	/* smtp */
	CURLM			*multi;
	CURL			*easy;
	struct curl_slist	*rcpts;
	struct event		*timer;
	char			*password;
	char			 errbuf[CURL_ERROR_SIZE];
	char			 last_reply[512];

	/* sendmail */
	pid_t			 pid;
	struct timeval		 deadline;	/* the child is killed after it */
	int			 fd;
	struct event		*ev_write;
	struct event		*ev_wait;

	/* directory, and deferring any callback to the loop */
	struct event		*ev_done;
};

/* One watched socket of the multi handle. */
struct sockev {
	struct event	*ev;
};

static void transport_done(struct mailer *t);

/*
 * How long the transport itself may take: the attempt's lease
 * (notify.send_timeout) less a margin to record the outcome before another
 * daemon may take the email.  smtp's connect timeout is a third of it.
 */
static long
transport_budget(const struct mailer *t)
{
	long lease = t->cfg->notify.send_timeout;
	long margin = lease / 10 > 2 ? lease / 10 : 2;

	return lease - margin > 1 ? lease - margin : 1;
}

const char *
transport_name(const struct mailer *t)
{
	static const char *const names[] = { "smtp", "sendmail", "directory" };

	return names[t->cfg->notify.transport];
}

static void
result_set(struct mailer *t, enum tx_outcome o, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
result_set(struct mailer *t, enum tx_outcome o, int code,
    const char *fmt, ...)
{
	va_list ap;

	t->result.outcome = o;
	t->result.code = code;
	va_start(ap, fmt);
	vsnprintf(t->result.reply, sizeof(t->result.reply), fmt, ap);
	va_end(ap);
}

static void
done_fire(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *t = arg;
	void (*cb)(void *, const struct tx_result *) = t->cb;
	struct tx_result r = t->result;

	(void)fd;
	(void)what;
	t->busy = false;
	free(t->msg);
	t->msg = NULL;
	t->cb = NULL;
	if (cb != NULL)
		cb(t->cb_arg, &r);
}

/* Results always reach the caller from the loop, never from inside send. */
static void
transport_done(struct mailer *t)
{
	struct timeval now = { 0, 0 };

	evtimer_add(t->ev_done, &now);
}

/*
 * Read the SMTP password from path: refused (-1, reason in err) if the
 * file is readable or writable by others or cannot be read.  The trailing
 * newline is dropped.  The caller frees *pw.
 */
static int
transport_read_password(const char *path, char **pw, char *err,
    size_t errlen)
{
	struct stat st;
	char buf[1024];
	ssize_t n;
	int fd = -1, ret = -1;

	*pw = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_mode & S_IRWXO) {
		snprintf(err, errlen, "%s: readable by others (chmod o-rwx); "
		    "refused", path);
		goto out;
	}
	if ((n = read(fd, buf, sizeof(buf) - 1)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	*pw = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* smtp */

static void smtp_check(struct mailer *t);

static void
smtp_event(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *t = arg;
	int action = (what & EV_READ ? CURL_CSELECT_IN : 0) |
	    (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running;

	curl_multi_socket_action(t->multi, fd, action, &running);
	smtp_check(t);
}

static void
smtp_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *t = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	smtp_check(t);
}

static int
smtp_sock_cb(CURL *easy, curl_socket_t s, int what, void *userp,
    void *sockp)
{
	struct mailer *t = userp;
	struct sockev *se = sockp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (se != NULL) {
			event_free(se->ev);
			free(se);
		}
		curl_multi_assign(t->multi, s, NULL);
		return 0;
	}
	kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) |
	    (what & CURL_POLL_OUT ? EV_WRITE : 0);
	if (se == NULL) {
		se = xcalloc(1, sizeof(*se));
		curl_multi_assign(t->multi, s, se);
	} else
		event_free(se->ev);
	se->ev = event_new(t->base, s, kind, smtp_event, t);
	event_add(se->ev, NULL);
	return 0;
}

static int
smtp_timer_cb(CURLM *multi, long ms, void *userp)
{
	struct mailer *t = userp;
	struct timeval tv;

	(void)multi;
	if (ms < 0) {
		evtimer_del(t->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(t->timer, &tv);
	return 0;
}

static size_t
smtp_read(char *buf, size_t size, size_t nitems, void *userp)
{
	struct mailer *t = userp;
	size_t n = size * nitems;

	if (n > t->len - t->off)
		n = t->len - t->off;
	memcpy(buf, t->msg + t->off, n);
	t->off += n;
	return n;
}

/* Keep the server's last reply line: what the audit shows. */
static int
smtp_debug(CURL *easy, curl_infotype type, char *data, size_t size,
    void *userp)
{
	struct mailer *t = userp;
	size_t n;

	(void)easy;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	n = size < sizeof(t->last_reply) - 1 ? size : sizeof(t->last_reply) - 1;
	memcpy(t->last_reply, data, n);
	while (n > 0 && (t->last_reply[n - 1] == '\n' ||
	    t->last_reply[n - 1] == '\r'))
		n--;
	t->last_reply[n] = '\0';
	return 0;
}

static void
smtp_cleanup(struct mailer *t)
{
	if (t->easy != NULL) {
		curl_multi_remove_handle(t->multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	curl_slist_free_all(t->rcpts);
	t->rcpts = NULL;
}

static void
smtp_check(struct mailer *t)
{
	CURLMsg *m;
	int left;
	long code = 0;

	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE || m->easy_handle != t->easy)
			continue;
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
		if (m->data.result == CURLE_OK)
			result_set(t, TX_SENT, (int)code, "%s",
			    t->last_reply[0] ? t->last_reply : "sent");
		else
			/* 5xx is the server's final word; anything else may pass. */
			result_set(t, code >= 500 && code < 600 ? TX_FAILED :
			    TX_RETRY, (int)code, "%s%s%s",
			    t->last_reply[0] ? t->last_reply : "",
			    t->last_reply[0] ? " / " : "",
			    t->errbuf[0] ? t->errbuf :
			    curl_easy_strerror(m->data.result));
		smtp_cleanup(t);
		transport_done(t);
		return;
	}
}

static int
smtp_start(struct mailer *t, const char *from, char *const *rcpts,
    size_t n)
{
	const struct config *cfg = t->cfg;
	char err[256], *addr;
	int ret = -1;

	free(t->password);
	t->password = NULL;
	if (cfg->notify.password_file != NULL &&
	    cfg->notify.password_file[0] != '\0' &&
	    transport_read_password(cfg->notify.password_file, &t->password,
	    err, sizeof(err)) < 0) {
		result_set(t, TX_RETRY, 0, "password file: %s", err);
		transport_done(t);
		return 0;
	}
	if ((t->easy = curl_easy_init()) == NULL)
		goto out;
	t->errbuf[0] = t->last_reply[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		addr = xasprintf("<%s>", rcpts[i]);
		t->rcpts = curl_slist_append(t->rcpts, addr);
		free(addr);
	}
	addr = xasprintf("<%s>", from);
	curl_easy_setopt(t->easy, CURLOPT_URL, cfg->notify.smtp_url);
	curl_easy_setopt(t->easy, CURLOPT_MAIL_FROM, addr);
	free(addr);		/* curl copies string options */
	curl_easy_setopt(t->easy, CURLOPT_MAIL_RCPT, t->rcpts);
	curl_easy_setopt(t->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(t->easy, CURLOPT_READDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->len);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_DEBUGFUNCTION, smtp_debug);
	curl_easy_setopt(t->easy, CURLOPT_DEBUGDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_VERBOSE, 1L);	/* feeds smtp_debug only */
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT,
	    transport_budget(t) / 3 > 0 ? transport_budget(t) / 3 : 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT, transport_budget(t));
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS unless the site says its relay cannot (smtps is TLS anyway). */
	if (cfg->notify.require_starttls)
		curl_easy_setopt(t->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->notify.smtp_user != NULL && cfg->notify.smtp_user[0] != '\0') {
		curl_easy_setopt(t->easy, CURLOPT_USERNAME, cfg->notify.smtp_user);
		if (t->password != NULL)
			curl_easy_setopt(t->easy, CURLOPT_PASSWORD, t->password);
	}
	if (curl_multi_add_handle(t->multi, t->easy) != CURLM_OK)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		smtp_cleanup(t);
		result_set(t, TX_RETRY, 0, "cannot start a libcurl transfer");
		transport_done(t);
		ret = 0;
	}
	return ret;
}

/* sendmail */

static bool
sendmail_overdue(const struct mailer *t)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return timercmp(&now, &t->deadline, >);
}

static void
sendmail_wait(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *t = arg;
	struct timeval tv = { 0, SENDMAIL_POLL_US };
	int status;
	pid_t r;

	(void)fd;
	(void)what;
	r = waitpid(t->pid, &status, WNOHANG);
	if (r == 0 && sendmail_overdue(t)) {
		/* Past the attempt's lease: another attempt may take it. */
		log_warnx("sendmail: %s took longer than %lds; killing it",
		    t->cfg->notify.sendmail, transport_budget(t));
		kill(t->pid, SIGKILL);
		r = waitpid(t->pid, &status, 0);
	}
	if (r == 0) {
		evtimer_add(t->ev_wait, &tv);
		return;
	}
	t->pid = -1;
	if (t->ev_write != NULL) {
		/* Gone (or killed) before it read the whole message. */
		event_free(t->ev_write);
		t->ev_write = NULL;
		close(t->fd);
		t->fd = -1;
	}
	if (r < 0)
		result_set(t, TX_RETRY, 0, "waitpid: %s", strerror(errno));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		result_set(t, TX_SENT, 0, "%s exited 0", t->cfg->notify.sendmail);
	else if (WIFEXITED(status))
		/* sysexits: only the temporary ones are worth another try. */
		result_set(t, WEXITSTATUS(status) == 75 ||
		    WEXITSTATUS(status) == 69 || WEXITSTATUS(status) == 71 ||
		    WEXITSTATUS(status) == 74 ? TX_RETRY : TX_FAILED,
		    WEXITSTATUS(status), "%s exited %d", t->cfg->notify.sendmail,
		    WEXITSTATUS(status));
	else
		result_set(t, TX_RETRY, 0, "%s killed by signal %d",
		    t->cfg->notify.sendmail, WTERMSIG(status));
	transport_done(t);
}

static void
sendmail_write(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *t = arg;
	ssize_t n;

	(void)what;
	while (t->off < t->len) {
		n = write(fd, t->msg + t->off, t->len - t->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;		/* the persistent event calls again */
		if (n < 0) {
			log_warn("sendmail: writing the message");
			break;
		}
		t->off += (size_t)n;
	}
	/* sendmail_wait, armed since the start, collects the child. */
	event_free(t->ev_write);
	t->ev_write = NULL;
	close(t->fd);
	t->fd = -1;
}

static int
sendmail_start(struct mailer *t)
{
	struct timeval tv = { 0, SENDMAIL_POLL_US };
	int p[2], devnull;
	char *w;

	/* sendmail wants local line ends. */
	w = t->msg;
	for (size_t i = 0; i < t->len; i++)
		if (!(t->msg[i] == '\r' && i + 1 < t->len && t->msg[i + 1] == '\n'))
			*w++ = t->msg[i];
	t->len = (size_t)(w - t->msg);
	if (pipe2(p, O_CLOEXEC) < 0) {
		result_set(t, TX_RETRY, 0, "pipe: %s", strerror(errno));
		transport_done(t);
		return 0;
	}
	gettimeofday(&t->deadline, NULL);
	t->deadline.tv_sec += transport_budget(t);
	if ((t->pid = fork()) < 0) {
		result_set(t, TX_RETRY, 0, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		transport_done(t);
		return 0;
	}
	if (t->pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(p[0], STDIN_FILENO);
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execl(t->cfg->notify.sendmail, t->cfg->notify.sendmail, "-t",
		    "-oi", (char *)NULL);
		_exit(71);	/* EX_OSERR */
	}
	close(p[0]);
	t->fd = p[1];
	evutil_make_socket_nonblocking(t->fd);
	t->ev_write = event_new(t->base, t->fd, EV_WRITE | EV_PERSIST,
	    sendmail_write, t);
	event_add(t->ev_write, NULL);
	/* Watch the child from the start: one that never reads is killed too. */
	evtimer_add(t->ev_wait, &tv);
	return 0;
}

/* directory */

static int
directory_write(struct mailer *t, const char *name)
{
	const char *dir = t->cfg->notify.directory;
	char *tmp = NULL, *final = NULL, *safe = xstrdup(name);
	size_t off = 0;
	ssize_t n;
	int fd = -1, dfd = -1, ret = -1;

	/* The Message-ID becomes the file name: keep it to a safe alphabet. */
	for (char *c = safe; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' ||
		    *c == '_' || *c == '@'))
			*c = '_';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		result_set(t, TX_RETRY, 0, "%s: %s", dir, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s/.tmp-%s.eml", dir, safe);
	final = xasprintf("%s/%s.eml", dir, safe);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) < 0) {
		result_set(t, TX_RETRY, 0, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < t->len) {
		if ((n = write(fd, t->msg + off, t->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			result_set(t, TX_RETRY, 0, "%s: %s", tmp,
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	/* The data first, then the name, then the directory entry. */
	if (fsync(fd) < 0 || rename(tmp, final) < 0) {
		result_set(t, TX_RETRY, 0, "%s: %s", final, strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		fsync(dfd);
	result_set(t, TX_SENT, 0, "written to %s", final);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (ret < 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(final);
	free(safe);
	transport_done(t);
	return 0;
}

int
transport_send(struct mailer *t, const char *from, char *const *rcpts,
    size_t n, const char *name, const char *message,
    void (*cb)(void *arg, const struct tx_result *r), void *arg)
{
	if (t->busy)
		return -1;
	t->busy = true;
	t->cb = cb;
	t->cb_arg = arg;
	t->len = strlen(message);
	t->msg = xstrdup(message);
	t->off = 0;
	memset(&t->result, 0, sizeof(t->result));
	switch (t->cfg->notify.transport) {
	case TRANSPORT_SMTP:
		return smtp_start(t, from, rcpts, n);
	case TRANSPORT_SENDMAIL:
		return sendmail_start(t);
	default:
		return directory_write(t, name);
	}
}

struct mailer *
transport_new(struct event_base *base, const struct config *cfg)
{
	struct mailer *t = xcalloc(1, sizeof(*t));

	/* Reference counted by libcurl; paired in transport_free. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("libcurl: cannot initialise");
	t->base = base;
	t->cfg = cfg;
	t->pid = -1;
	t->fd = -1;
	t->ev_done = evtimer_new(base, done_fire, t);
	t->ev_wait = evtimer_new(base, sendmail_wait, t);
	t->timer = evtimer_new(base, smtp_timeout, t);
	if ((t->multi = curl_multi_init()) == NULL)
		fatalx("libcurl: cannot create a multi handle");
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, smtp_sock_cb);
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, smtp_timer_cb);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
	return t;
}

void
transport_reconfigure(struct mailer *t, const struct config *cfg)
{
	t->cfg = cfg;
}

void
transport_free(struct mailer *t)
{
	if (t == NULL)
		return;
	smtp_cleanup(t);
	curl_multi_cleanup(t->multi);
	if (t->ev_write != NULL)
		event_free(t->ev_write);
	if (t->fd >= 0)
		close(t->fd);
	if (t->pid > 0)
		waitpid(t->pid, NULL, 0);
	event_free(t->ev_wait);
	event_free(t->ev_done);
	event_free(t->timer);
	if (t->password != NULL)
		explicit_bzero(t->password, strlen(t->password));
	free(t->password);
	free(t->msg);
	free(t);
	curl_global_cleanup();
}
