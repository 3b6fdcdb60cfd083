"""doc/board-nginx.conf as it stands, in a real nginx (run as our own
process: its own prefix, pid file and logs in a temporary folder, no
daemon), in front of a real mashwatchd, both ways: the Unix socket and TCP
with the proxy's secret.  Through nginx a user sees their teams; a client
that forges the user or the secret gains nothing; one that bypasses nginx
gets nothing."""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request

import pytest

import boardhelp as bh
import mw

ROOT = pathlib.Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "correct horse"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def example(way, sock, port, secret_conf, htpasswd, listen):
    """The example, with this test's paths and ports, for way 1 or 2."""
    text = (ROOT / "doc" / "board-nginx.conf").read_text()
    swaps = [("listen 443 ssl;", "listen 127.0.0.1:%d;" % listen),
             ("/run/mashwatch/board.sock", str(sock)),
             ("/etc/nginx/mashwatch.htpasswd", str(htpasswd)),
             ("/etc/nginx/mashwatch-proxy-secret.conf", str(secret_conf)),
             ("127.0.0.1:9187", "127.0.0.1:%d" % port)]
    if way == 2:
        swaps += [("    server unix:", "    # server unix:"),
                  ("# server 127.0.0.1:", "server 127.0.0.1:"),
                  ('proxy_set_header X-Mashwatch-Proxy "";', "# (way 1 line)"),
                  ("# include ", "include ")]
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new)
    # No certificate in a test: plain HTTP on loopback.
    return "\n".join(line for line in text.splitlines() if "ssl_certificate" not in line)


class Nginx:
    def __init__(self, folder, server):
        self.folder = folder
        conf = folder / "nginx.conf"
        conf.write_text(f"""
daemon off;
master_process on;
worker_processes 1;
user www-data;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{server}
}}
""")
        test = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(conf),
                               "-e", str(folder / "error.log")],
                              capture_output=True, text=True, timeout=30)
        assert test.returncode == 0, test.stderr
        self.proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf),
                                      "-e", str(folder / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(15)


def fetch(port, path, user=None, password=PASSWORD, headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers=dict(headers or {}))
    if user is not None:
        req.add_header("Authorization", "Basic " + base64.b64encode(
            ("%s:%s" % (user, password)).encode()).decode())
    try:
        with DIRECT.open(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except urllib.error.URLError:
        return 0, ""         # nginx not listening yet


@pytest.mark.parametrize("way", [1, 2])
def test_the_nginx_example_both_ways(db, build, tmp_path, way):
    if os.geteuid() != 0 or not os.path.exists(NGINX):
        pytest.skip("needs root and nginx (scripts/bootstrap)")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="mw-nginx-"))
    folder.chmod(0o755)
    sock = folder / "board.sock"
    htpasswd = folder / "htpasswd"
    htpasswd.write_text("".join("%s:{PLAIN}%s\n" % (u, PASSWORD) for u in
                                ("m1@example.org", "m2@example.org", "admin@example.org")))
    secret_conf = folder / "mashwatch-proxy-secret.conf"
    secret_conf.write_text('proxy_set_header X-Mashwatch-Proxy "%s";\n' % bh.SECRET)
    secret_conf.chmod(0o600)
    listen = mw.free_port()
    nginx = None
    try:
        if way == 1:
            bh.teams(db)
            d, port, conf = bh.start(db, build, tmp_path, listen="unix:%s" % sock,
                                     trust='socket_group = "www-data";')
        else:
            bh.teams(db)
            d, port, conf = bh.start(db, build, tmp_path)
        try:
            bh.contacts(db, [("C1", "P-T1", "T1", 30), ("C3", "P-T2", "T2", 10)])
            nginx = Nginx(folder, example(way, sock, port, secret_conf, htpasswd, listen))
            mw.wait_for(lambda: fetch(listen, "/board.json", "m1@example.org")[0] == 200,
                        timeout=15, what="the board through nginx")
            j = mw.wait_for(lambda: (lambda j: j["teams"] and j["teams"][0]["items"] and j)(
                json.loads(fetch(listen, "/board.json", "m1@example.org")[1])),
                timeout=15, what="T1's contact through nginx")
            assert [t["team"] for t in j["teams"]] == ["T1"]
            assert "P-T2" not in json.dumps(j)
            # No password, a wrong one: nginx's 401, nothing of the board.
            st, body = fetch(listen, "/board.json")
            assert st == 401 and "P-T1" not in body
            st, body = fetch(listen, "/board.json", "m1@example.org", password="guess")
            assert st == 401 and "P-T1" not in body
            # Forging the user or the secret through nginx gains nothing.
            st, body = fetch(listen, "/board.json", "m1@example.org",
                             headers={"X-Remote-User": "admin@example.org",
                                      "X-Mashwatch-Proxy": "forged-secret-0123456789"})
            assert st == 200 and [t["team"] for t in json.loads(body)["teams"]] == ["T1"]
            # The admin sees all.
            st, body = fetch(listen, "/board.json", "admin@example.org")
            assert st == 200 and "P-T2" in body
            # Anything else is not served through nginx.
            assert fetch(listen, "/metrics")[0] == 404
            if way == 2:
                # Bypassing nginx: 401 from 127.0.0.1.
                st, _, body = bh.get(port, "/board.json", user="admin@example.org",
                                     proxy=None)
                assert st == 401 and "P-T1" not in body
        finally:
            if nginx is not None:
                nginx.stop()
            assert d.stop() == 0
    finally:
        if nginx is not None and nginx.proc.poll() is None:
            nginx.proc.kill()
        shutil.rmtree(folder, ignore_errors=True)
