"""A Python event loop for libvirt (virEventRegisterImpl), and Python
callbacks on libvirt's own loop (virEventAddTimeout/AddHandle). Each runs in
a fresh interpreter: a process registers one event loop only."""

import subprocess
import sys
import textwrap


def run(code):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_python_loop_drives_libvirt():
    out = run("""
        import libvirt
        timers, frees, next_id = {}, [], [0]

        def add_timeout(timeout, cb, opaque):
            next_id[0] += 1
            timers[next_id[0]] = [timeout, cb, opaque]
            return next_id[0]

        def update_timeout(timer, timeout):
            timers[timer][0] = timeout

        def remove_timeout(timer):
            frees.append(timers.pop(timer)[2])
            return 0

        libvirt.virEventRegisterImpl(lambda *a: -1, lambda *a: None, lambda *a: 0,
                                     add_timeout, update_timeout, remove_timeout)
        try:
            libvirt.virEventRegisterImpl(*[lambda *a: 0] * 6)
        except RuntimeError as error:
            print("second registration:", error)

        def run_once():
            for timer, (timeout, cb, opaque) in list(timers.items()):
                if timeout >= 0 and timer in timers:
                    cb(timer, opaque)
            while frees:
                libvirt.virEventInvokeFreeCallback(frees.pop())

        conn = libvirt.open("test:///default")
        seen = []
        conn.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
            lambda c, dom, event, detail, opaque: seen.append((dom.name(), event)), None)
        ticks = []
        timer = libvirt.virEventAddTimeout(0, lambda t, opaque: ticks.append(opaque), "tick")
        dom = conn.lookupByName("test")
        dom.suspend()
        dom.resume()
        for _ in range(5):
            run_once()
        libvirt.virEventRemoveTimeout(timer)
        run_once()
        print("events:", seen)
        print("ticks:", bool(ticks), set(ticks))
        print("timers left:", len(timers))
    """)
    assert "second registration: Event loop is already registered" in out
    assert "events: [('test', 3), ('test', 4)]" in out
    assert "ticks: True {'tick'}" in out


def test_python_callbacks_on_the_default_loop():
    out = run("""
        import os, libvirt
        libvirt.virEventRegisterDefaultImpl()
        read_end, write_end = os.pipe()
        seen = []
        watch = libvirt.virEventAddHandle(
            read_end, libvirt.VIR_EVENT_HANDLE_READABLE,
            lambda w, fd, events, opaque: seen.append((fd == read_end, events, opaque)),
            "handle-opaque")
        fired = []
        timer = libvirt.virEventAddTimeout(
            0, lambda t, opaque: fired.append(opaque), "timer-opaque")
        os.write(write_end, b"x")
        for _ in range(3):
            libvirt.virEventRunDefaultImpl()
        libvirt.virEventRemoveHandle(watch)
        libvirt.virEventRemoveTimeout(timer)
        print("handle:", seen[0])
        print("timer:", fired[0])
    """)
    assert "handle: (True, 1, 'handle-opaque')" in out
    assert "timer: timer-opaque" in out


def test_integers_outside_int_are_refusals():
    """libvirt-python's 'i' refuses them (OverflowError); here they are also
    libvirtErrors (VIR_ERR_INVALID_ARG), refused before anything is held."""
    out = run("""
        import libvirt
        def refused(call):
            try:
                call()
            except libvirt.libvirtError as e:
                assert isinstance(e, OverflowError), repr(e)
                return e.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
            return False
        print(refused(lambda: libvirt.virEventAddTimeout(2 ** 40, print, None)),
              refused(lambda: libvirt.virEventAddHandle(2 ** 40, 1, print, None)),
              refused(lambda: libvirt.virEventAddHandle(0, -2 ** 40, print, None)))
    """)
    assert out.split() == ["True", "True", "True"]
