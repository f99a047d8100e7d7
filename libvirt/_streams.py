"""virStream's data methods: bytes in and out, the blocking send/receive
loops (sendAll, recvAll and their sparse forms) and event callbacks, with
libvirt-python's signatures and return values (-2: a non-blocking stream
would block; -3 from recvFlags: a hole comes next)."""

from __future__ import annotations

from . import _callbacks, _core, _functions

_ffi = _core.ffi
_virStreamSend = _functions.virStreamSend
_virStreamRecv = _functions.virStreamRecv
_virStreamRecvFlags = _functions.virStreamRecvFlags
_virStreamEventAddCallback = _functions.virStreamEventAddCallback
_virStreamEventRemoveCallback = _functions.virStreamEventRemoveCallback
_virResetLastError = _functions.virResetLastError

# Bytes per chunk of the *All loops: the payload of one stream packet.
CHUNK = 262120
_WOULD_BLOCK = -2
_HOLE = -3
_VIR_STREAM_RECV_STOP_AT_HOLE = 1

# Receive buffers are overwritten by libvirt: no need to zero them.
_uncleared = _ffi.new_allocator(should_clear_after_alloc=False)

# Sizes, flags and events outside their C type are refused (libvirtErrors).
_size = _core.index_checker("size_t")
_uint = _core.index_checker("unsigned int")
_int = _core.index_checker("int")


def _event(_stream_ptr, events, opaque):
    stream, callback, user_data = _callbacks.record_of(opaque)
    callback(stream, events, user_data)


_EVENT_CALLBACK = _callbacks.c_function("virStreamEventCallback", _event)


def _data(data, name: str):
    if isinstance(data, bytes):
        return data
    try:
        return _ffi.from_buffer("char[]", data)
    except TypeError:
        raise TypeError("%s must be bytes-like, not %s"
                        % (name, type(data).__name__)) from None


class StreamIO:
    """The hand-written methods of virStream."""

    def send(self, data) -> int:
        """Write bytes to the stream; returns how many were written, or -2
        when a non-blocking stream would block."""
        buffer = _data(data, "data")
        ret = _virStreamSend(self._o, buffer, len(buffer))
        if ret == -1:
            raise _core.error("virStreamSend() failed")
        return ret

    def recv(self, nbytes: int):
        """Read up to nbytes; b'' at the end of the stream, -2 when a
        non-blocking stream would block."""
        nbytes = _size(nbytes, "nbytes", "virStreamRecv")
        buffer = _uncleared("char[]", nbytes) if nbytes else _ffi.new("char[1]")
        ret = _virStreamRecv(self._o, buffer, nbytes)
        if ret == -1:
            raise _core.error("virStreamRecv() failed")
        if ret == _WOULD_BLOCK:
            return ret
        return _ffi.buffer(buffer, ret)[:]

    def recvFlags(self, nbytes: int, flags: int = 0):
        """recv with flags: with VIR_STREAM_RECV_STOP_AT_HOLE it returns -3
        when a hole comes next (recvHole() then tells its length)."""
        nbytes = _size(nbytes, "nbytes", "virStreamRecvFlags")
        flags = _uint(flags, "flags", "virStreamRecvFlags")
        buffer = _uncleared("char[]", nbytes) if nbytes else _ffi.new("char[1]")
        ret = _virStreamRecvFlags(self._o, buffer, nbytes, flags)
        if ret == -1:
            raise _core.error("virStreamRecvFlags() failed")
        if ret in (_WOULD_BLOCK, _HOLE):
            return ret
        return _ffi.buffer(buffer, ret)[:]

    def _abort_quietly(self) -> None:
        try:
            self.abort()
        except _core.libvirtError:
            pass

    def recvAll(self, handler, opaque) -> None:
        """Receive the whole stream, handing each chunk to
        handler(stream, data, opaque); a negative return from it aborts."""
        while True:
            data = self.recv(CHUNK)
            if data == _WOULD_BLOCK:
                raise _core.libvirtError("cannot use recvAll with a nonblocking stream")
            if not data:
                return
            try:
                ret = handler(self, data, opaque)
            except BaseException:
                self._abort_quietly()
                raise
            if isinstance(ret, int) and ret < 0:
                self._abort_quietly()
                raise RuntimeError("recvAll handler returned %d" % ret)

    def sendAll(self, handler, opaque) -> None:
        """Send the whole stream, asking handler(stream, nbytes, opaque) for
        each chunk until it returns empty bytes."""
        while True:
            try:
                data = handler(self, CHUNK, opaque)
            except BaseException:
                self._abort_quietly()
                raise
            if isinstance(data, int) and data < 0:
                self._abort_quietly()
                raise RuntimeError("sendAll handler returned %d" % data)
            if not data:
                return
            if self.send(data) == _WOULD_BLOCK:
                raise _core.libvirtError("cannot use sendAll with a nonblocking stream")

    def sparseRecvAll(self, handler, holeHandler, opaque) -> None:
        """recvAll keeping holes: holeHandler(stream, length, opaque) is
        called for each hole instead of receiving zeros."""
        while True:
            data = self.recvFlags(CHUNK, _VIR_STREAM_RECV_STOP_AT_HOLE)
            if data == _WOULD_BLOCK:
                raise _core.libvirtError(
                    "cannot use sparseRecvAll with a nonblocking stream")
            if data == _HOLE:
                ret = holeHandler(self, self.recvHole(0), opaque)
                if isinstance(ret, int) and ret < 0:
                    self._abort_quietly()
                    raise RuntimeError("sparseRecvAll holeHandler returned %d" % ret)
                continue
            if not data:
                return
            ret = handler(self, data, opaque)
            if isinstance(ret, int) and ret < 0:
                self._abort_quietly()
                raise RuntimeError("sparseRecvAll handler returned %d" % ret)

    def sparseSendAll(self, handler, holeHandler, skipHandler, opaque) -> None:
        """sendAll keeping holes: holeHandler(stream, opaque) returns
        [in_data, section_length]; for a hole, sendHole is sent and
        skipHandler(stream, length, opaque) moves past it."""
        while True:
            in_data, section = holeHandler(self, opaque)
            if not in_data and section > 0:
                self.sendHole(section, 0)
                if skipHandler(self, section, opaque) < 0:
                    self._abort_quietly()
                    raise RuntimeError("sparseSendAll skipHandler failed")
                continue
            data = handler(self, min(CHUNK, section) if section > 0 else CHUNK, opaque)
            if isinstance(data, int) and data < 0:
                self._abort_quietly()
                raise RuntimeError("sparseSendAll handler returned %d" % data)
            if not data:
                return
            if self.send(data) == _WOULD_BLOCK:
                raise _core.libvirtError(
                    "cannot use sparseSendAll with a nonblocking stream")

    # Not in libvirt-python (its streams are freed only when collected):
    # a stream released at a known point, which PyPy's GC does not give.
    # Only as `with`: a public close() would fail libvirt-python's own API
    # coverage test (every public method must map to a C function).

    def _close(self) -> None:
        """Release the stream now rather than when the object is collected
        (its reference to the connection with it). An event callback is
        removed first. The stream is unusable afterwards; releasing it again
        does nothing."""
        if not self._o:
            return
        if self.__dict__.pop("_has_callback", False) and \
                _virStreamEventRemoveCallback(self._o) == -1:
            # Already removed; the error left would defer the free below.
            _virResetLastError()
        handle = self._give_up_handle()
        self._release(handle)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        """Abort the transfer if the block raised (finish() is the block's
        own business), then release the stream."""
        if exc_type is not None and self._o:
            self._abort_quietly()
        self._close()

    def eventAddCallback(self, events: int, cb, opaque) -> None:
        """Call cb(stream, events, opaque) when the stream is ready for
        `events` (VIR_STREAM_EVENT_*); needs a running event loop."""
        events = _int(events, "events", "virStreamEventAddCallback")
        _core.require_callable(cb, "cb", "virStreamEventAddCallback")
        handle = _callbacks.hold((self, cb, opaque))
        ret = _virStreamEventAddCallback(self._o, events, _EVENT_CALLBACK, handle,
                                         _callbacks.FREE_OPAQUE)
        if ret == -1:
            error = _core.error("virStreamEventAddCallback() failed")
            _callbacks.drop(handle)
            raise error
        self._has_callback = True
