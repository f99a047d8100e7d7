"""Run libvirt's event loop on an asyncio event loop.

Usage, as with libvirt-python's module of the same name::

    import asyncio
    import libvirt
    import libvirtaio

    async def main():
        libvirtaio.virEventRegisterAsyncIOImpl()   # the running loop
        conn = libvirt.open("test:///default")
        ...

    asyncio.run(main())

or, before a loop runs, ``libvirtaio.virEventRegisterAsyncIOImpl(loop)``
with the loop that will run.  libvirt accepts one event loop per process,
so register once, before opening connections.

What libvirt asks of an event loop, and how it is done here:

* watches on file descriptors (``addHandle``) become ``loop.add_reader`` /
  ``loop.add_writer``; several watches may share one descriptor, the loop
  then watches the union of their events and every interested watch is
  called;
* timers (``addTimeout``) are disabled with -1, run on every loop
  iteration with 0 and every *n* milliseconds with *n* > 0; changing a
  timer restarts its period, as in libvirt's own loop;
* a removed watch or timer's data is freed with
  ``libvirt.virEventInvokeFreeCallback`` from the loop shortly after,
  never inside the removal (libvirt holds its locks then);
  ``await impl.drain()`` waits for the implementation to become idle;
* libvirt may add, change or remove watches and timers from any thread:
  outside the loop's thread the changes reach the loop through
  ``loop.call_soon_threadsafe``, and libvirt's callbacks always run in the
  loop.

.. seealso:: https://libvirt.org/html/libvirt-libvirt-event.html
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import warnings
from typing import Any, Callable, Dict, List, Optional

import libvirt

__all__ = [
    'getCurrentImpl',
    'virEventAsyncIOImpl',
    'virEventRegisterAsyncIOImpl',
]

# Watch and timer numbers, unique in the process (and so across successive
# implementations) and never 0: libvirt takes -1 as failure and parts of it
# treat 0 as "no timer".
_numbers = itertools.count(1)
_numbers_lock = threading.Lock()


def _next_number() -> int:
    with _numbers_lock:
        return next(_numbers)


class _Registration:
    """A watch or a timer libvirt registered: its number, libvirt's
    callback and the opaque value to hand back to it."""

    kind = 'registration'

    def __init__(self, number: int, cb: Callable[..., None], opaque: Any) -> None:
        self.number = number
        self.cb = cb
        self.opaque = opaque
        self.removed = False

    def __repr__(self) -> str:
        return '<%s %d%s>' % (self.kind, self.number, self._details())

    def _details(self) -> str:
        return ''


class _Watch(_Registration):
    kind = 'handle'

    def __init__(self, number: int, cb: Callable[..., None], opaque: Any,
                 fd: int, events: int) -> None:
        super().__init__(number, cb, opaque)
        self.fd = fd
        self.events = events

    def _details(self) -> str:
        return ' fd=%d events=%d' % (self.fd, self.events)


class _Timer(_Registration):
    kind = 'timeout'

    def __init__(self, number: int, cb: Callable[..., None], opaque: Any,
                 timeout: int) -> None:
        super().__init__(number, cb, opaque)
        self.timeout = timeout
        # Bumped by every change libvirt makes; the loop side compares it
        # with the version it armed.  `handle` and `armed` belong to the
        # loop's thread.
        self.version = 0
        self.armed = -1
        self.handle: Optional[asyncio.Handle] = None

    def _details(self) -> str:
        return ' timeout=%d' % self.timeout


class _FdGroup:
    """The watches on one file descriptor.  A new group (new token) is made
    whenever the descriptor gains its first watch: the number may by then
    belong to another file, which the loop must register afresh."""

    def __init__(self, token: int) -> None:
        self.token = token
        self.watches: Dict[int, _Watch] = {}

    def wanted(self) -> int:
        events = 0
        for watch in self.watches.values():
            events |= watch.events
        return events


_READ = libvirt.VIR_EVENT_HANDLE_READABLE
_WRITE = libvirt.VIR_EVENT_HANDLE_WRITABLE


class virEventAsyncIOImpl:
    """libvirt's event loop implemented on an asyncio event loop.

    :param loop: the asyncio loop; by default ``asyncio.get_event_loop()``
        (the running loop when called from a coroutine).

    ``register()`` makes it libvirt's event loop.
    """

    def __init__(self, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        self.loop = loop if loop is not None else asyncio.get_event_loop()
        self.log = logging.getLogger(type(self).__name__)
        # Watches and timers libvirt has registered and not removed, by number.
        self.callbacks: Dict[int, _Registration] = {}
        self._lock = threading.RLock()
        self._fds: Dict[int, _FdGroup] = {}
        # What the loop watches, per descriptor: (group token, events).
        # Touched only in the loop's thread.
        self._installed: Dict[int, tuple] = {}
        self._tokens = itertools.count(1)
        # Registered watches and timers plus removed ones whose opaque is
        # not freed yet; idle when 0.
        self._pending = 0
        self._drain_waiters: List[asyncio.Future] = []

    def __repr__(self) -> str:
        with self._lock:
            registered = sorted(self.callbacks.values(), key=lambda r: r.number)
            return '<%s registered=%r pending=%d>' % (
                type(self).__name__, registered, self._pending)

    # --- public API -------------------------------------------------------

    def register(self) -> 'virEventAsyncIOImpl':
        """Make this libvirt's event loop (libvirt takes one per process;
        a second registration raises RuntimeError).  Returns self."""
        self.log.debug('registering %r as libvirt event loop', self)
        libvirt.virEventRegisterImpl(
            self._add_handle, self._update_handle, self._remove_handle,
            self._add_timeout, self._update_timeout, self._remove_timeout)
        return self

    def schedule_ff_callback(self, iden: int, opaque: Any) -> None:
        """Free `opaque` of the removed watch or timer `iden` from the loop
        soon (libvirt.virEventInvokeFreeCallback); safe from any thread."""
        try:
            self.loop.call_soon_threadsafe(self._free, iden, opaque)
        except RuntimeError:
            # The loop is closed: nothing will ever run there.  Freeing here
            # could deadlock inside libvirt, so the data is left behind (and
            # is_idle() stays False to tell).
            self.log.warning('loop closed: cannot free the data of %d', iden)

    def is_idle(self) -> bool:
        """True when no watch or timer is registered and every removed
        one's data has been freed.  A connection left open, or events not
        deregistered before closing it, keep this False."""
        with self._lock:
            return not self.callbacks and not self._pending

    async def drain(self) -> None:
        """Wait until the implementation is idle (see is_idle()): every
        watch and timer removed and the data of each freed.  Await it
        before closing the loop, after closing connections and
        deregistering events."""
        while True:
            with self._lock:
                if not self._pending:
                    return
                waiter = asyncio.get_running_loop().create_future()
                self._drain_waiters.append(waiter)
            self.log.debug('drain(): waiting for %d', self._pending)
            await waiter

    # --- helpers ----------------------------------------------------------

    def _in_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def _on_loop(self, func: Callable[..., None], *args: Any) -> None:
        """Run func(*args) now when that is safe (in the loop's thread, or
        while the loop is not running), else soon in the loop's thread."""
        if self._in_loop_thread() or not self.loop.is_running():
            if not self.loop.is_closed():
                func(*args)
            return
        try:
            self.loop.call_soon_threadsafe(func, *args)
        except RuntimeError:
            pass  # closed meanwhile

    def _report(self, message: str, exc: BaseException) -> None:
        self.loop.call_exception_handler(
            {'message': message, 'exception': exc})

    def _free(self, iden: int, opaque: Any) -> None:
        self.log.debug('freeing the data of %d', iden)
        try:
            libvirt.virEventInvokeFreeCallback(opaque)
        finally:
            self._release()

    def _release(self) -> None:
        """One pending watch or timer less; wake drain() when none is left."""
        with self._lock:
            assert self._pending > 0
            self._pending -= 1
            waiters = self._drain_waiters if not self._pending else []
            if waiters:
                self._drain_waiters = []
        for waiter in waiters:
            self._wake(waiter)

    @staticmethod
    def _wake(waiter: asyncio.Future) -> None:
        def wake() -> None:
            if not waiter.done():
                waiter.set_result(None)
        try:
            if asyncio.get_running_loop() is waiter.get_loop():
                wake()
                return
        except RuntimeError:
            pass
        try:
            waiter.get_loop().call_soon_threadsafe(wake)
        except RuntimeError:
            pass  # that loop is closed: nobody awaits any more

    def _check_open(self) -> None:
        if self.loop.is_closed():
            raise RuntimeError('the asyncio event loop is closed')

    def _take(self, number: int, what: str) -> Optional[_Registration]:
        """Unregister watch or timer `number` (either: libvirt-python's own
        test helper passes removeTimeout for removeHandle)."""
        with self._lock:
            registration = self.callbacks.pop(number, None)
            if registration is None:
                return None
            registration.removed = True
            if isinstance(registration, _Watch):
                group = self._fds[registration.fd]
                del group.watches[number]
                if not group.watches:
                    del self._fds[registration.fd]
            elif isinstance(registration, _Timer):
                registration.version += 1
        if not what.endswith(registration.kind):
            self.log.debug('%s(%d) removed a %s', what, number, registration.kind)
        return registration

    def _remove(self, number: int, what: str) -> int:
        registration = self._take(number, what)
        if registration is None:
            self.log.warning('%s(%d): no such watch or timer', what, number)
            return -1
        self.log.debug('%s(%d)', what, number)
        if isinstance(registration, _Watch):
            self._on_loop(self._sync_fd, registration.fd)
        else:
            self._on_loop(self._sync_timer, registration)
        # Never free inside the removal: libvirt holds its locks now.
        self.schedule_ff_callback(number, registration.opaque)
        return 0

    # --- file descriptors -------------------------------------------------

    def _add_handle(self, fd: int, event: int, cb: Callable[..., None],
                    opaque: Any) -> int:
        """libvirt's addHandle: call cb(watch, fd, events, opaque) when `fd`
        is ready for `event` (VIR_EVENT_HANDLE_*); returns the watch."""
        self._check_open()
        self._check_events(event)
        watch = _Watch(_next_number(), cb, opaque, fd, event)
        with self._lock:
            group = self._fds.get(fd)
            if group is None:
                group = self._fds[fd] = _FdGroup(next(self._tokens))
            group.watches[watch.number] = watch
            self.callbacks[watch.number] = watch
            self._pending += 1
        self.log.debug('add_handle(fd=%d, event=%d) = %d', fd, event, watch.number)
        try:
            self._on_loop(self._sync_fd, fd)
        except BaseException:
            # The loop refused the descriptor: libvirt gets -1 and keeps
            # its data, which must then not be freed here.
            self._take(watch.number, 'add_handle')
            self._release()
            self._on_loop(self._sync_fd, fd)
            raise
        return watch.number

    def _update_handle(self, watch: int, event: int) -> None:
        """libvirt's updateHandle: watch `event` instead."""
        self._check_events(event)
        with self._lock:
            registration = self.callbacks.get(watch)
            if isinstance(registration, _Watch):
                registration.events = event
        if not isinstance(registration, _Watch):
            self.log.warning('update_handle(%d): no such watch', watch)
            return
        self.log.debug('update_handle(%d, event=%d)', watch, event)
        self._on_loop(self._sync_fd, registration.fd)

    def _remove_handle(self, watch: int) -> int:
        """libvirt's removeHandle: 0, or -1 for an unknown watch."""
        return self._remove(watch, 'remove_handle')

    @staticmethod
    def _check_events(event: int) -> None:
        if event & ~(_READ | _WRITE):
            warnings.warn(
                'asyncio reports readability and writability only: a watch '
                'on VIR_EVENT_HANDLE_ERROR or VIR_EVENT_HANDLE_HANGUP learns '
                'of them through VIR_EVENT_HANDLE_READABLE or _WRITABLE',
                UserWarning, stacklevel=3)

    def _sync_fd(self, fd: int) -> None:
        """Make the loop watch `fd` for what its watches want (loop thread)."""
        with self._lock:
            group = self._fds.get(fd)
            token, wanted = (group.token, group.wanted()) if group else (None, 0)
        try:
            self._apply_fd(fd, token, wanted & (_READ | _WRITE))
        except OSError:
            # The selector refused the descriptor and dropped it.  If its
            # watches were removed meanwhile (from another thread, and the
            # descriptor closed), that is all: the removal's own sync
            # follows.  Otherwise start over from nothing; an error now is
            # the descriptor's own.
            self._unwatch(fd, self.loop.remove_reader)
            self._unwatch(fd, self.loop.remove_writer)
            self._installed.pop(fd, None)
            with self._lock:
                group = self._fds.get(fd)
                if group is None or group.token != token:
                    return
            self._apply_fd(fd, token, wanted & (_READ | _WRITE))

    def _apply_fd(self, fd: int, token: Optional[int], wanted: int) -> None:
        token_had, had = self._installed.get(fd, (None, 0))
        if had and token_had != token:
            # The descriptor was given up (maybe closed, its number reused)
            # since the loop started watching it: drop that registration.
            self._unwatch(fd, self.loop.remove_reader)
            self._unwatch(fd, self.loop.remove_writer)
            self._installed.pop(fd, None)
            had = 0
        for flag, add, remove in ((_READ, self.loop.add_reader, self.loop.remove_reader),
                                  (_WRITE, self.loop.add_writer, self.loop.remove_writer)):
            if wanted & flag and not had & flag:
                add(fd, self._fd_ready, fd, flag, token)
            elif had & flag and not wanted & flag:
                remove(fd)
            else:
                continue
            had ^= flag
            if had:
                self._installed[fd] = (token, had)
            else:
                self._installed.pop(fd, None)

    @staticmethod
    def _unwatch(fd: int, remove: Callable[[int], bool]) -> None:
        try:
            remove(fd)
        except OSError:
            # Closed before the loop heard of the removal (from another
            # thread): the kernel forgot it, and the selector dropped it.
            pass

    def _fd_ready(self, fd: int, event: int, token: int) -> None:
        """The loop saw `fd` ready for `event`: call the watches that want
        it, skipping any an earlier one removed or changed."""
        with self._lock:
            group = self._fds.get(fd)
            if group is None or group.token != token:
                return  # a stale registration, not yet synced away
            watches = list(group.watches.values())
        for watch in watches:
            if watch.removed or not watch.events & event:
                continue
            try:
                watch.cb(watch.number, fd, event, watch.opaque)
            except Exception as exc:  # keep serving the other watches
                self._report('libvirt handle callback %d failed' % watch.number, exc)

    # --- timers -----------------------------------------------------------

    def _add_timeout(self, timeout: int, cb: Callable[..., None], opaque: Any) -> int:
        """libvirt's addTimeout: call cb(timer, opaque) every `timeout` ms
        (0: every loop iteration, -1: not now); returns the timer."""
        self._check_open()
        timer = _Timer(_next_number(), cb, opaque, timeout)
        with self._lock:
            self.callbacks[timer.number] = timer
            self._pending += 1
        self.log.debug('add_timeout(timeout=%d) = %d', timeout, timer.number)
        self._on_loop(self._sync_timer, timer)
        return timer.number

    def _update_timeout(self, timer: int, timeout: int) -> None:
        """libvirt's updateTimeout: a new period, counted from now."""
        with self._lock:
            registration = self.callbacks.get(timer)
            if isinstance(registration, _Timer):
                registration.timeout = timeout
                registration.version += 1
        if not isinstance(registration, _Timer):
            self.log.warning('update_timeout(%d): no such timer', timer)
            return
        self.log.debug('update_timeout(%d, timeout=%d)', timer, timeout)
        self._on_loop(self._sync_timer, registration)

    def _remove_timeout(self, timer: int) -> int:
        """libvirt's removeTimeout: 0, or -1 for an unknown timer."""
        return self._remove(timer, 'remove_timeout')

    def _sync_timer(self, timer: _Timer) -> None:
        """Arm, re-arm or stop `timer` after a change (loop thread)."""
        with self._lock:
            version, timeout, removed = timer.version, timer.timeout, timer.removed
        if timer.armed == version:
            return  # already done by an earlier sync
        if timer.handle is not None:
            timer.handle.cancel()
            timer.handle = None
        timer.armed = version
        if not removed and timeout >= 0:
            self._arm(timer, timeout, version)

    def _arm(self, timer: _Timer, timeout: int, version: int) -> None:
        if timeout == 0:
            timer.handle = self.loop.call_soon(self._expired, timer, version)
        else:
            timer.handle = self.loop.call_later(timeout / 1000.0, self._expired,
                                                timer, version)

    def _expired(self, timer: _Timer, version: int) -> None:
        if timer.removed or timer.version != version:
            return  # changed meanwhile; that change's sync re-armed it
        timer.handle = None
        try:
            timer.cb(timer.number, timer.opaque)
        finally:
            # Periodic: again, unless the callback (or another thread)
            # changed or removed the timer, whose sync then decides.
            with self._lock:
                unchanged = not timer.removed and timer.version == version
                timeout = timer.timeout
            if unchanged and timer.handle is None and timeout >= 0:
                self._arm(timer, timeout, version)


_current_impl: Optional[virEventAsyncIOImpl] = None


def getCurrentImpl() -> Optional[virEventAsyncIOImpl]:
    """The implementation virEventRegisterAsyncIOImpl() registered, or None."""
    return _current_impl


def virEventRegisterAsyncIOImpl(
        loop: Optional[asyncio.AbstractEventLoop] = None) -> virEventAsyncIOImpl:
    """Make an asyncio loop (by default the current one) libvirt's event
    loop, and return the implementation (see getCurrentImpl())."""
    global _current_impl
    impl = virEventAsyncIOImpl(loop=loop).register()
    _current_impl = impl
    return impl
