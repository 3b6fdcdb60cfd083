"""Who the board believes: being on the same host is not an identity.
Over TCP only a request carrying the proxy's secret is served (from any
address, 127.0.0.1 included); on a Unix socket only the proxy's group can
connect; a board on TCP with neither is refused at -t and at start (78).
/healthz, /readyz and /metrics need no identity and never show a child."""

import grp
import json
import os
import pathlib
import shutil
import socket
import stat
import subprocess
import tempfile
import urllib.parse

import pytest

import boardhelp as bh
import mw

EX_CONFIG = 78


def as_user(user, *cmd):
    """Run cmd as the Unix user user (root runs the tests)."""
    return subprocess.run(["runuser", "-u", user, "--"] + list(cmd),
                          capture_output=True, text=True, timeout=30)


def need_root():
    if os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("needs root and runuser to act as other users")


def shared_dir():
    """A folder every user can reach (pytest's tmp_path is root's only),
    so that a refusal is the socket's doing, not the path's."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="mw-trust-"))
    d.chmod(0o755)
    return d


def test_a_local_process_without_the_secret_is_nobody(db, build, tmp_path):
    need_root()
    d, port, conf = bh.with_contacts(db, build, tmp_path)
    url = "http://127.0.0.1:%d" % port
    try:
        # The attack: any local user claims to be an admin.
        for path in ("/board", "/board.json"):
            r = as_user("nobody", "curl", "-s", "-w", "\n%{http_code}",
                        "-H", "X-Remote-User: admin@example.org", url + path)
            body, code = r.stdout.rsplit("\n", 1)
            assert code == "401" and "P-T1" not in body and "T1" not in body, r.stdout
        # Without the secret, or with a wrong one, from 127.0.0.1: 401.
        for proxy in (None, "", "x" * len(bh.SECRET), bh.SECRET[:-1], bh.SECRET + "0"):
            st, _, body = bh.get(port, "/board.json", user="admin@example.org", proxy=proxy)
            assert st == 401 and "P-T1" not in body, proxy
        j = mw.wait_for(lambda: (lambda j: j["teams"][0]["items"][0]["ack"] and j)(
            json.loads(bh.get(port, "/board.json", user="admin@example.org")[2])),
            timeout=15, what="the alerts on the board")
        alert = j["teams"][0]["items"][0]["ack"]["alert"]
        form = urllib.parse.urlencode({"alert": alert, "csrf": j["csrf"], "note": "x"})
        st, _, _ = bh.request(port, "POST", "/ack", user="admin@example.org", body=form,
                              headers={"Origin": url}, proxy=None)
        assert st == 401
        assert db.query("select count(*) from mashwatch.alerts "
                        "where acked_at is not null")[0][0] == 0
        # With the secret, the proxy's request is served.
        st, _, body = bh.get(port, "/board", user="admin@example.org")
        assert st == 200 and "P-T1-OLD" in body
        # Health and metrics: no identity needed, never a child.
        for path in ("/healthz", "/readyz", "/metrics"):
            st, _, body = bh.get(port, path, proxy=None)
            assert st in (200, 503) and "P-T1" not in body and "P-T2" not in body, path
        assert bh.get(port, "/healthz", proxy=None)[0] == 200
    finally:
        assert d.stop() == 0


def _with_http(db, tmp_path, http):
    path = mw.write_config(tmp_path / "mashwatch.conf", db.conninfo, http_listen="X")
    path.write_text(path.read_text().replace('http: { listen = "X"; };', "http: { %s };" % http))
    return path


@pytest.mark.parametrize("http,ok,says", [
    # TCP with neither secret nor socket, trusting loopback (the default or
    # said explicitly, whatever its spelling): refused.
    ('listen = "127.0.0.1:9187"; board = true; public_url = "https://b.example.org";',
     False, "needs http.proxy_secret_file"),
    ('listen = "127.0.0.1:9187"; board = true; public_url = "https://b.example.org"; '
     'trusted_proxies = [ "127.0.0.1", "::1" ];', False, "needs http.proxy_secret_file"),
    ('listen = "0.0.0.0:9187"; board = true; public_url = "https://b.example.org"; '
     'trusted_proxies = [ "10.0.0.5", "127.0.0.2" ];', False, "needs http.proxy_secret_file"),
    ('listen = "[::1]:9187"; board = true; public_url = "https://b.example.org"; '
     'trusted_proxies = [ "::1" ];', False, "needs http.proxy_secret_file"),
    ('listen = "127.0.0.1:9187"; board = true; public_url = "https://b.example.org"; '
     'trusted_proxies = [ ];', False, "needs http.proxy_secret_file"),
    # Proxies elsewhere, named: the operator's choice.
    ('listen = "10.0.0.1:9187"; board = true; public_url = "https://b.example.org"; '
     'trusted_proxies = [ "10.0.0.5" ];', True, ""),
    # The socket, or the secret: fine.
    ('listen = "unix:/run/mashwatch/board.sock"; board = true; '
     'public_url = "https://b.example.org";', True, ""),
    ('listen = "127.0.0.1:9187"; board = true; public_url = "https://b.example.org:8443"; '
     'proxy_secret_file = "SECRET";', True, ""),
    # public_url required with the board, and well formed.
    ('listen = "127.0.0.1:9187"; board = true; proxy_secret_file = "SECRET";',
     False, "'http.public_url' is required"),
    ('listen = "127.0.0.1:9187"; board = true; proxy_secret_file = "SECRET"; '
     'public_url = "b.example.org";', False, "is not scheme://host[:port]"),
    ('listen = "127.0.0.1:9187"; board = true; proxy_secret_file = "SECRET"; '
     'public_url = "https://b.example.org/board";', False, "is not scheme://host[:port]"),
    ('listen = "unix:relative.sock"; board = true; public_url = "https://b.example.org";',
     False, "is not HOST:PORT or unix:/PATH"),
    ('listen = "unix:/run/mashwatch/board.sock"; board = true; '
     'public_url = "https://b.example.org"; socket_group = "no-such-group-here";',
     False, "no group \"no-such-group-here\""),
    # No board: nothing to trust.
    ('listen = "127.0.0.1:9187";', True, ""),
])
def test_a_board_on_tcp_without_a_proxy_identity_is_refused(db, build, tmp_path, http, ok,
                                                             says):
    secret = bh.secret_file(tmp_path)
    conf = _with_http(db, tmp_path, http.replace("SECRET", str(secret)))
    r = mw.run(build, "mashwatchd", "-t", "-c", conf, check=False)
    assert (r.returncode == 0) == ok, r.stderr
    if not ok:
        assert r.returncode == EX_CONFIG and says in r.stderr, r.stderr
        assert r.stderr.startswith("mashwatchd: %s:" % conf), r.stderr
        # The start refuses the same way, before it listens.
        s = subprocess.run([str(pathlib.Path(build) / "mashwatchd"), "-f", "-c", str(conf)],
                           capture_output=True, text=True, timeout=30)
        assert s.returncode == EX_CONFIG and says in s.stderr


@pytest.mark.parametrize("mode,content,says", [
    (0o644, bh.SECRET, "readable or writable by others"),
    (0o602, bh.SECRET, "readable or writable by others"),
    (0o600, "short", "at least 16 printable characters"),
    (0o600, "has a blank in the middle of it", "at least 16 printable characters"),
    (0o600, "", "at least 16 printable characters"),
])
def test_a_bad_secret_file_is_refused(db, build, tmp_path, mode, content, says):
    secret = bh.secret_file(tmp_path, content, mode)
    conf = _with_http(db, tmp_path, 'listen = "127.0.0.1:9187"; board = true; '
                      'public_url = "https://b.example.org"; proxy_secret_file = "%s";' % secret)
    r = mw.run(build, "mashwatchd", "-t", "-c", conf, check=False)
    assert r.returncode == EX_CONFIG and says in r.stderr, r.stderr
    assert content not in r.stderr or content == ""
    missing = _with_http(db, tmp_path, 'listen = "127.0.0.1:9187"; board = true; '
                         'public_url = "https://b.example.org"; '
                         'proxy_secret_file = "%s/none";' % tmp_path)
    r = mw.run(build, "mashwatchd", "-t", "-c", missing, check=False)
    assert r.returncode == EX_CONFIG and "cannot read" in r.stderr


def curl_unix(user, sock, path, *headers):
    args = ["curl", "-s", "-w", "\n%{http_code}", "--unix-socket",
            str(sock)]
    for h in headers:
        args += ["-H", h]
    return as_user(user, *args, "http://board" + path)


def test_on_a_unix_socket_only_the_proxys_group_connects(db, build, tmp_path):
    need_root()
    run = shared_dir()
    sock = run / "board.sock"
    try:
        # A stale socket from a crash is replaced.
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(str(sock))
        stale.close()
        bh.teams(db)
        d, port, conf = bh.start(db, build, tmp_path, listen="unix:%s" % sock,
                                 trust='socket_group = "www-data";')
        try:
            st = os.stat(sock)
            assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660
            assert st.st_gid == grp.getgrnam("www-data").gr_gid
            # nobody (not in the group) cannot even connect.
            r = curl_unix("nobody", sock, "/board.json", "X-Remote-User: admin@example.org")
            assert r.stdout.endswith("\n000") and "T1" not in r.stdout, r
            assert r.returncode == 7, r        # curl: could not connect
            # The proxy's user can, and its user header is believed.
            r = curl_unix("www-data", sock, "/board.json", "X-Remote-User: m1@example.org")
            body, code = r.stdout.rsplit("\n", 1)
            assert code == "200" and '"T1"' in body and '"T2"' not in body, r
            r = curl_unix("www-data", sock, "/healthz")
            assert r.stdout.rsplit("\n", 1)[1] == "200"
        finally:
            assert d.stop() == 0
        # Gone on exit: the next start makes it afresh.
        assert not sock.exists()
        # Something there that is not a socket is never removed.
        sock.write_text("not a socket")
        d, port, conf = bh.start(db, build, tmp_path, listen="unix:%s" % sock,
                                 trust='socket_group = "www-data";', wait=False)
        assert d.proc.wait(30) != 0
        assert "exists and is not a socket" in d.text()
        assert sock.read_text() == "not a socket"
    finally:
        shutil.rmtree(run, ignore_errors=True)
