#!/usr/bin/env python3
"""A private, throw-away libvirtd that loads only the storage driver.

Everything the daemon touches (sockets, config, pool definitions, runtime
state, logs) lives in one temporary directory, so tests can define, build
and delete pools without touching the host's libvirt.

Recipe ("session" mode, the default):
  libvirtd runs UNPRIVILEGED, with XDG_RUNTIME_DIR / XDG_CONFIG_HOME /
  XDG_CACHE_HOME / XDG_DATA_HOME / HOME inside the temp dir and
  LIBVIRT_DRIVER_DIR pointing at a directory that holds only a symlink to
  libvirt_driver_storage.so.  Connect with
  storage:///session?socket=<tmp>/run/libvirt/libvirt-sock.
  As a normal user the daemon runs as that user.  As root it runs as an
  unprivileged account (default "nobody", see $LIBVIRT_CFFI_DAEMON_USER);
  root can still connect to its socket.

"system" mode (root only, opt-in): a privileged libvirtd with
  --config (unix_sock_dir in the temp dir) and the same driver dir trick.
  NOT isolated: the privileged storage driver always keeps pool
  definitions in /etc/libvirt/storage and state in /run/libvirt/storage,
  and it clashes with a running system libvirtd/virtstoraged.

Module use:

    from private_libvirtd import PrivateLibvirtd
    with PrivateLibvirtd() as d:
        conn = libvirt.open(d.uri)
        ...  # pool targets go under d.workdir

CLI: starts one, prints its URI on stdout (details on stderr) and waits
until Ctrl-C / SIGTERM:

    python3 tools/private_libvirtd.py [--user NAME] [--mode session|system]

Standard library only; Python 3.9+; Linux.
"""

from __future__ import annotations

import argparse
import atexit
import glob
import os
import pwd
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from typing import Optional, Sequence

__all__ = ["PrivateLibvirtd", "DaemonStartError", "find_libvirtd",
           "find_driver_module", "unavailable_reason"]

USER_ENV = "LIBVIRT_CFFI_DAEMON_USER"
MODE_ENV = "LIBVIRT_CFFI_DAEMON_MODE"
DEFAULT_ROOT_USER = "nobody"
DAEMON_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_SUN_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1 on Linux

# libvirt RPC (src/rpc/virnetprotocol.x, src/remote/remote_protocol.x)
_REMOTE_PROGRAM = 0x20008086
_REMOTE_PROTOCOL_VERSION = 1
_PROC_CONNECT_OPEN = 1
_PROC_CONNECT_CLOSE = 2
_TYPE_CALL, _TYPE_REPLY = 0, 1
_STATUS_OK = 0


class DaemonStartError(RuntimeError):
    """The daemon did not come up; the message carries its log tail."""


def find_libvirtd() -> str:
    path = os.environ.get("LIBVIRTD") or shutil.which(
        "libvirtd", path=DAEMON_PATH + ":/usr/local/sbin:" +
        os.environ.get("PATH", ""))
    if not path:
        raise DaemonStartError("libvirtd not found (install libvirt-daemon, "
                               "or set $LIBVIRTD)")
    return path


def find_driver_module(name: str = "storage") -> str:
    fname = "libvirt_driver_%s.so" % name
    patterns = ["/usr/lib/*/libvirt/connection-driver/",  # Debian multiarch
                "/usr/lib64/libvirt/connection-driver/",  # Fedora
                "/usr/lib/libvirt/connection-driver/",
                "/usr/local/lib*/libvirt/connection-driver/",
                "/usr/local/lib/*/libvirt/connection-driver/"]
    for pat in patterns:
        hits = sorted(glob.glob(pat + fname))
        if hits:
            return hits[0]
    raise DaemonStartError("%s not found (is libvirt-daemon installed?)"
                           % fname)


def unavailable_reason(drivers: Sequence[str] = ("storage",)) -> Optional[str]:
    """Why no private daemon can be run here (not installed), or None."""
    try:
        find_libvirtd()
        for name in drivers:
            find_driver_module(name)
    except DaemonStartError as e:
        return str(e)
    return None


def _tail(path: Optional[str], start: int = 0, limit: int = 8000) -> str:
    if not path:
        return "(none)"
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(start, size - limit))
            data = f.read()
    except OSError as e:
        return "(unreadable: %s)" % e
    text = data.decode("utf-8", "replace").strip()
    return text or "(empty)"


# --- tiny XDR helpers for the readiness probe -------------------------------

def _xdr_string(s: str) -> bytes:
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def _xdr_read_opt_string(buf: bytes, off: int):
    (present,) = struct.unpack_from(">I", buf, off)
    off += 4
    if not present:
        return None, off
    (n,) = struct.unpack_from(">I", buf, off)
    off += 4
    s = buf[off:off + n].decode("utf-8", "replace")
    return s, off + n + (-n % 4)


class _ProbeFailed(Exception):
    """Connected, but the daemon answered with an error."""


class PrivateLibvirtd:
    """A private libvirtd with only the given connection drivers.

    Attributes (set by the first start()): uri, socket_path,
    admin_socket_path (None if the daemon made none), workdir (owned by
    the daemon's user: put pool target directories here), pid, log_path
    (libvirt's log), output_path (daemon stdout/stderr), user, mode,
    tmpdir (the whole private tree).
    """

    def __init__(self, user: Optional[str] = None, mode: Optional[str] = None,
                 drivers: Sequence[str] = ("storage",),
                 driver_dir: Optional[str] = None,
                 libvirtd: Optional[str] = None,
                 log_level: int = 3,
                 extra_config: str = "",
                 start_timeout: float = 20.0,
                 stop_timeout: float = 10.0,
                 die_with_parent: bool = True):
        """user: account the daemon runs as (root only; default
        $LIBVIRT_CFFI_DAEMON_USER or "nobody").  mode: "session" (default,
        or $LIBVIRT_CFFI_DAEMON_MODE) or "system".  driver_dir: use this
        LIBVIRT_DRIVER_DIR instead of building one from `drivers`.
        log_level: libvirt log priority written to log_path (1 debug ..
        4 error).  extra_config: lines appended to the daemon's config
        file.  die_with_parent: SIGTERM the daemon when the thread that
        started it exits (prctl PDEATHSIG via setpriv), so a killed test
        run leaves no daemon behind; start it from a long-lived thread."""
        self.mode = mode or os.environ.get(MODE_ENV) or "session"
        if self.mode not in ("session", "system"):
            raise ValueError("mode must be 'session' or 'system'")
        self._is_root = os.geteuid() == 0
        if self.mode == "system":
            if not self._is_root:
                raise ValueError("mode='system' needs root")
            user = user or "root"
            if user != "root":
                raise ValueError("mode='system' runs the daemon as root")
        elif self._is_root:
            user = user or os.environ.get(USER_ENV) or DEFAULT_ROOT_USER
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            if user not in (None, me):
                raise ValueError("only root can run the daemon as another "
                                 "user (asked for %r, running as %r)"
                                 % (user, me))
            user = me
        try:
            self._pw = pwd.getpwnam(user)
        except KeyError:
            raise ValueError("user %r does not exist (create one with "
                             "'useradd --system %s', or pick another via "
                             "$%s)" % (user, user, USER_ENV)) from None
        if self.mode == "session" and self._pw.pw_uid == 0:
            # libvirtd as uid 0 is always privileged (geteuid() == 0).
            raise ValueError("session mode needs an unprivileged user")
        self.user = user
        self.drivers = tuple(drivers)
        self._driver_dir_arg = driver_dir
        self._libvirtd_arg = libvirtd
        self.log_level = int(log_level)
        self.extra_config = extra_config
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.die_with_parent = die_with_parent

        self.tmpdir: Optional[str] = None
        self.workdir: Optional[str] = None
        self.uri: Optional[str] = None
        self.socket_path: Optional[str] = None
        self.admin_socket_path: Optional[str] = None
        self.log_path: Optional[str] = None
        self.output_path: Optional[str] = None
        self.config_path: Optional[str] = None
        self._proc: Optional[subprocess.Popen] = None
        self._log_offsets = (0, 0)

    # -- public API ---------------------------------------------------------

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    @property
    def admin_uri(self) -> Optional[str]:
        if not self.admin_socket_path:
            return None
        return "libvirtd:///%s?socket=%s" % (self.mode, self.admin_socket_path)

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> "PrivateLibvirtd":
        """Start the daemon and wait until it serves connections.

        Raises DaemonStartError (with the log tail) if it exits or does not
        answer within start_timeout; the process is killed in that case but
        the temp dir is kept until stop()."""
        if self.is_running():
            raise RuntimeError("daemon already running (pid %d)" % self.pid)
        self._reap()
        if self.tmpdir is None:
            self._make_tree()
        cmd = self._command()
        self._log_offsets = (self._size(self.log_path),
                             self._size(self.output_path))
        out = open(self.output_path, "ab")
        try:
            self._proc = subprocess.Popen(
                cmd, env=self._env(), cwd=self.tmpdir,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                close_fds=True,
                # Own session: a Ctrl-C meant for the CLI/pytest must not
                # reach the daemon before we stop it in order.
                start_new_session=True,
                **self._credentials())
        except OSError as e:
            raise DaemonStartError("cannot run %s: %s" % (cmd[0], e)) from e
        finally:
            out.close()
        _LIVE.add(self)
        try:
            self._wait_ready()
        except BaseException:  # also Ctrl-C while waiting
            self._kill_proc()
            raise
        # Session mode creates the admin socket next to the main one.
        adm = os.path.join(os.path.dirname(self.socket_path),
                           "libvirt-admin-sock")
        self.admin_socket_path = adm if os.path.exists(adm) else None
        return self

    def stop(self) -> None:
        """SIGTERM, wait, SIGKILL after stop_timeout; remove the temp dir."""
        try:
            self._terminate()
        finally:
            _LIVE.discard(self)
            if self.tmpdir and os.path.isdir(self.tmpdir):
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def kill(self) -> None:
        """SIGKILL the daemon (state dir kept: restart() works)."""
        self._kill_proc()

    def restart(self) -> "PrivateLibvirtd":
        """Stop (gracefully, if running) and start on the same state dir,
        so persistent pool definitions survive."""
        if self.tmpdir is None:
            raise RuntimeError("restart() after stop(): nothing to restart")
        self._terminate()
        return self.start()

    def __enter__(self) -> "PrivateLibvirtd":
        try:
            return self.start()
        except BaseException:
            self.stop()  # __exit__ will not run
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return "<PrivateLibvirtd %s pid=%s user=%s uri=%s>" % (
            self.mode, self.pid, self.user, self.uri)

    # -- internals ----------------------------------------------------------

    def _make_tree(self) -> None:
        top = tempfile.mkdtemp(prefix="lvcffi-", dir=self._pick_base_dir())
        self.tmpdir = top
        try:
            self._fill_tree(top)
        except BaseException:
            shutil.rmtree(top, ignore_errors=True)
            self.tmpdir = None
            raise

    def _fill_tree(self, top: str) -> None:
        sub = {n: os.path.join(top, n) for n in
               ("run", "config", "cache", "data", "home", "drivers", "work")}
        for d in sub.values():
            os.mkdir(d, 0o700)
        self.workdir = sub["work"]
        os.chmod(self.workdir, 0o755)
        self.log_path = os.path.join(top, "libvirtd.log")
        self.output_path = os.path.join(top, "libvirtd.out")
        self.config_path = os.path.join(top, "libvirtd.conf")

        if self._driver_dir_arg is not None:
            self.driver_dir = self._driver_dir_arg
        else:
            self.driver_dir = sub["drivers"]
            for name in self.drivers:
                mod = find_driver_module(name)
                os.symlink(mod, os.path.join(self.driver_dir,
                                             os.path.basename(mod)))

        conf = ["log_level = %d" % self.log_level,
                'log_outputs = "%d:file:%s"' % (self.log_level,
                                                 self.log_path)]
        if self.mode == "session":
            sockdir = os.path.join(sub["run"], "libvirt")
        else:
            sockdir = os.path.join(top, "sock")
            os.mkdir(sockdir, 0o755)
            conf += ['unix_sock_dir = "%s"' % sockdir,
                     # no polkit/SASL: a plain root socket in our temp dir
                     'auth_unix_rw = "none"', 'auth_unix_ro = "none"',
                     'unix_sock_rw_perms = "0700"']
        if self.extra_config:
            conf.append(self.extra_config)
        with open(self.config_path, "w") as f:
            f.write("\n".join(conf) + "\n")
        for p in (self.log_path, self.output_path):
            open(p, "a").close()

        self.socket_path = os.path.join(sockdir, "libvirt-sock")
        if len(self.socket_path) > _SUN_PATH_MAX - 6:  # admin sock is longer
            raise DaemonStartError("socket path too long: %s" %
                                   self.socket_path)
        self.uri = "%s:///%s?socket=%s" % (self.drivers[0], self.mode,
                                           self.socket_path)
        if self._pw.pw_uid != os.geteuid():
            self._chown_tree(top)
        # The daemon keeps files 0600/0700; top dir 0700 is enough for
        # its owner and for root.
        os.chmod(top, 0o700)

    def _pick_base_dir(self) -> str:
        base = tempfile.gettempdir()
        # Another user must be able to reach it, and socket paths are short.
        if self._pw.pw_uid != os.geteuid() and not _traversable_by_all(base):
            base = "/tmp"
        if len(base) > 40:
            base = "/tmp"
        return base

    def _chown_tree(self, top: str) -> None:
        uid, gid = self._pw.pw_uid, self._pw.pw_gid
        for root, dirs, files in os.walk(top):
            os.chown(root, uid, gid)
            for n in dirs + files:
                os.chown(os.path.join(root, n), uid, gid,
                         follow_symlinks=False)

    def _env(self) -> dict:
        t = self.tmpdir
        env = {"PATH": DAEMON_PATH, "LANG": "C.UTF-8",
               "LIBVIRT_DRIVER_DIR": self.driver_dir}
        if self.mode == "session":
            env.update(HOME=os.path.join(t, "home"),
                       USER=self.user, LOGNAME=self.user,
                       XDG_RUNTIME_DIR=os.path.join(t, "run"),
                       XDG_CONFIG_HOME=os.path.join(t, "config"),
                       XDG_CACHE_HOME=os.path.join(t, "cache"),
                       XDG_DATA_HOME=os.path.join(t, "data"))
        return env

    def _command(self) -> list:
        daemon = self._libvirtd_arg or find_libvirtd()
        cmd = [daemon, "--config", self.config_path]
        if self.mode == "system":
            # keep clear of a system libvirtd's /run/libvirtd.pid
            cmd += ["--pid-file", os.path.join(self.tmpdir, "libvirtd.pid")]
        setpriv = shutil.which("setpriv", path=DAEMON_PATH)
        if self.die_with_parent and setpriv:
            # Set after Popen's uid switch (which would clear it); kept
            # across exec.
            cmd = [setpriv, "--pdeathsig", "TERM", "--"] + cmd
        return cmd

    def _credentials(self) -> dict:
        if self._pw.pw_uid == os.geteuid():
            return {}
        return {"user": self._pw.pw_uid, "group": self._pw.pw_gid,
                "extra_groups": []}

    @staticmethod
    def _size(path: Optional[str]) -> int:
        try:
            return os.path.getsize(path)
        except (OSError, TypeError):
            return 0

    def _fail(self, reason: str) -> DaemonStartError:
        rc = self._proc.poll() if self._proc else None
        state = ("exited with status %s" % rc) if rc is not None \
            else "still running"
        return DaemonStartError(
            "private libvirtd (%s mode, user %s, pid %s, %s) failed to "
            "start: %s\n--- libvirt log %s ---\n%s\n"
            "--- daemon stdout/stderr %s ---\n%s" % (
                self.mode, self.user, self.pid, state, reason,
                self.log_path, _tail(self.log_path, self._log_offsets[0]),
                self.output_path,
                _tail(self.output_path, self._log_offsets[1])))

    def _wait_ready(self) -> None:
        """Poll until a CONNECT_OPEN over the socket succeeds.

        A bare connect() is not enough: the socket listens before the
        drivers are initialised (the kernel queues the connection), and a
        daemon without a usable driver keeps running but refuses opens."""
        deadline = time.monotonic() + self.start_timeout
        last = "socket %s never appeared" % self.socket_path
        while True:
            if self._proc.poll() is not None:
                raise self._fail("the daemon exited")
            if time.monotonic() >= deadline:
                raise self._fail("not ready after %.0f s (%s)"
                                 % (self.start_timeout, last))
            if os.path.exists(self.socket_path):
                try:
                    self._probe(deadline)
                    return
                except _ProbeFailed as e:
                    raise self._fail("the daemon refused to open %s: %s"
                                     % (self._probe_name(), e)) from None
                except OSError as e:
                    last = "probe: %s" % e
            time.sleep(0.05)

    def _probe_name(self) -> str:
        return "%s:///%s" % (self.drivers[0], self.mode)

    def _probe(self, deadline: float) -> None:
        body = struct.pack(">I", 1) + _xdr_string(self._probe_name()) + \
            struct.pack(">i", 0)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            s.connect(self.socket_path)
            s.sendall(self._packet(_PROC_CONNECT_OPEN, 1, body))
            hdr, payload = self._recv_packet(s, deadline)
            status = hdr[5]
            if status != _STATUS_OK:
                raise _ProbeFailed(self._error_message(payload))
            try:
                s.sendall(self._packet(_PROC_CONNECT_CLOSE, 2, b""))
                self._recv_packet(s, deadline)
            except OSError:
                pass  # the open worked; a tidy close is a nicety

    @staticmethod
    def _packet(proc: int, serial: int, body: bytes) -> bytes:
        hdr = struct.pack(">IIiiIi", _REMOTE_PROGRAM, _REMOTE_PROTOCOL_VERSION,
                          proc, _TYPE_CALL, serial, _STATUS_OK)
        return struct.pack(">I", 4 + len(hdr) + len(body)) + hdr + body

    def _recv_exact(self, s: socket.socket, n: int, deadline: float) -> bytes:
        buf = b""
        while len(buf) < n:
            # Short slices so a daemon dying mid-start is noticed at once.
            left = deadline - time.monotonic()
            if left <= 0:
                raise OSError("no reply from the daemon")
            r, _, _ = select.select([s], [], [], min(0.1, left))
            if not r:
                if self._proc.poll() is not None:
                    raise OSError("daemon exited during the probe")
                continue
            chunk = s.recv(n - len(buf))
            if not chunk:
                raise OSError("daemon closed the connection")
            buf += chunk
        return buf

    def _recv_packet(self, s: socket.socket, deadline: float):
        while True:
            (length,) = struct.unpack(">I", self._recv_exact(s, 4, deadline))
            data = self._recv_exact(s, length - 4, deadline)
            hdr = struct.unpack_from(">IIiiIi", data)
            if hdr[0] == _REMOTE_PROGRAM and hdr[3] == _TYPE_REPLY:
                return hdr, data[24:]
            # anything else (e.g. keepalive) is not ours: skip it

    @staticmethod
    def _error_message(payload: bytes) -> str:
        try:
            code, domain = struct.unpack_from(">ii", payload)
            msg, _ = _xdr_read_opt_string(payload, 8)
            return "%s (code %d, domain %d)" % (msg, code, domain)
        except struct.error:
            return "undecodable error reply"

    def _reap(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            self._proc = None

    def _kill_proc(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            try:
                self._proc.kill()
            except ProcessLookupError:
                pass
        try:
            self._proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            pass  # uninterruptible sleep: nothing more we can do

    def _terminate(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            try:
                self._proc.terminate()
                self._proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._kill_proc()
            except ProcessLookupError:
                pass


def _traversable_by_all(path: str) -> bool:
    path = os.path.abspath(path)
    while True:
        try:
            if not os.stat(path).st_mode & 0o001:
                return False
        except OSError:
            return False
        if path == "/":
            return True
        path = os.path.dirname(path)


# Safety net: daemons still running at interpreter exit are stopped (strong
# references: a forgotten instance must not take its daemon out of reach).
_LIVE: "set[PrivateLibvirtd]" = set()


@atexit.register
def _stop_all() -> None:
    for d in list(_LIVE):
        try:
            d.stop()
        except Exception:
            pass


def _raise_interrupt(*_):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--user", help="account to run the daemon as (root only;"
                    " default $%s or %s)" % (USER_ENV, DEFAULT_ROOT_USER))
    ap.add_argument("--mode", choices=("session", "system"))
    ap.add_argument("--driver", action="append", dest="drivers",
                    help="connection driver to load (repeatable; "
                    "default: storage)")
    ap.add_argument("--log-level", type=int, default=3,
                    help="libvirt log priority, 1 (debug) .. 4 (error)")
    args = ap.parse_args(argv)

    # SIGTERM takes the same clean path as Ctrl-C. SIGINT too, explicitly:
    # started in the background by a shell, Python inherits it ignored.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    d = PrivateLibvirtd(user=args.user, mode=args.mode,
                        drivers=args.drivers or ("storage",),
                        log_level=args.log_level)
    try:
        with d:
            print(d.uri, flush=True)
            for k in ("mode", "user", "pid", "socket_path",
                      "admin_socket_path", "admin_uri", "workdir",
                      "log_path", "output_path", "tmpdir"):
                print("%-18s %s" % (k, getattr(d, k)), file=sys.stderr)
            print("Ctrl-C to stop", file=sys.stderr, flush=True)
            while d.is_running():
                time.sleep(0.5)
            print(d._fail("daemon exited unexpectedly"), file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0
    except DaemonStartError as e:
        print(e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
