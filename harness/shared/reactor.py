"""Event-driven waits for pynetdicom associations of ours (simulators and the harness's clients alike).

pynetdicom polls: an association's thread sleeps 1 ms between looks at its queues, its DUL thread sleeps 1 ms
whenever it found nothing to do, kill() looks for the DUL's end every 10 ms and an abort then sleeps 0.1 s. An
idle association costs two threads waking a thousand times a second, a request waits up to a millisecond in
each, and every abort of a test costs a tenth of a second. Here, per association (nothing of pynetdicom is
patched, tests/test_architecture.py), installed at EVT_CONN_OPEN by `event_driven`:
- the association's reactor waits on an Event set by a put on the DIMSE message queue or the DUL's queue to the
  user, by kill() and by a change of its checkpoint, at most REACTOR_WAIT so the idle timer still fires on time;
- the DUL waits in select() for its socket or a wake-up (an eventfd written by a put on its queues, a kill),
  at most REACTOR_WAIT or what is left of the ARTIM timer;
- kill() and stop_dul() wait for the DUL's state changes and thread end instead of sleeping, and an abort waits
  for the association's thread to end (at most the 0.1 s it slept) instead of sleeping.
The loops themselves are pynetdicom's: only the waits between their rounds change."""

from __future__ import annotations

import os
import select
import ssl
import threading
import time
import weakref

from pynetdicom import evt
from pynetdicom.dul import DULServiceProvider

# The longest wait between two rounds of a reactor: bounds how late the idle (network) timer is noticed.
REACTOR_WAIT = 0.05
# What pynetdicom's abort slept to let the association's thread end: now only the bound of a join.
ABORT_SETTLE = 0.1


class _WakingEvent(threading.Event):
    """The reactor checkpoint: clearing it (a service about to send) must wake a reactor waiting for work, so it
    pauses at once. (Setting it needs no wake-up: a paused reactor waits on the checkpoint itself.)"""

    def __init__(self, wake: threading.Event):
        super().__init__()
        self._wake = wake

    def clear(self) -> None:
        super().clear()
        self._wake.set()



def _wake_on_put(queue, wake) -> None:
    """`queue.put` also calls `wake()`; an instance attribute, so a later swap of the queue's class (store_inline,
    guard_dimse) keeps both that class's put and the wake-up."""
    if getattr(queue, "_dh_waking", False):
        return

    def put(item, block=True, timeout=None):
        type(queue).put(queue, item, block, timeout)
        if queue.queue:     # a put the queue's class served on the spot (store_inline) leaves nothing to wake for
            wake()

    queue.put = put
    queue._dh_waking = True


class _EventDrivenDul:
    """Mixin for a pynetdicom DUL provider: its idle round waits for the socket or a wake-up instead of sleeping.
    pynetdicom's loop sleeps `_run_loop_delay` (set to 0 here) and then asks `_is_transport_event` whether the
    socket has data: that question now waits, when nothing is queued for the state machine or the peer."""

    _dh_waiting = False

    def _dh_wake(self) -> None:
        if self._dh_waiting:
            try:
                os.eventfd_write(self._dh_wake_fd, 1)
            except OSError:
                pass

    def _is_transport_event(self) -> bool:
        if not self.event_queue.qsize() and not self.to_provider_queue.qsize() and not self._kill_thread:
            self._dh_wait()
        return super()._is_transport_event()

    def _dh_wait(self) -> None:
        if self.state_machine.current_state == "Sta13":
            return      # pynetdicom closes the connection at once when nothing is left to read
        transport = self.socket
        sock = getattr(transport, "socket", None) if getattr(transport, "_is_connected", False) else None
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return
        timeout = REACTOR_WAIT
        artim = self.artim_timer
        if artim.timeout is not None and artim._start_time is not None and artim._end_time is None:
            timeout = max(0.0, min(timeout, artim.remaining))
        waitables = [self._dh_wake_fd] if sock is None else [sock, self._dh_wake_fd]
        self._dh_waiting = True
        try:
            # a put between the check above and here wrote the eventfd: select returns at once
            if self.event_queue.qsize() or self.to_provider_queue.qsize() or self._kill_thread:
                return
            ready = select.select(waitables, [], [], timeout)[0]
        except (OSError, ValueError):
            ready = []
            time.sleep(0.001)       # a socket closed under us: pynetdicom's own round notices it
        finally:
            self._dh_waiting = False
        if self._dh_wake_fd in ready:
            try:
                os.eventfd_read(self._dh_wake_fd)
            except OSError:
                pass

    def kill_dul(self) -> None:
        super().kill_dul()
        self._dh_wake()

    def stop_dul(self) -> bool:
        if self.state_machine.current_state != "Sta1":
            return False
        self._kill_thread = True
        self._dh_wake()
        if threading.current_thread() is not self:
            while self.is_alive():
                self.join(REACTOR_WAIT)
                self._dh_wake()
            self._dh_close()
        return True

    def _dh_close(self) -> None:
        # (the thread's target was bound before this class was given: nothing of ours runs at its end)
        self._dh_wake_fd = -1
        _close_held(self._dh_wake_held)


def _close_held(held: list) -> None:
    fd, held[0] = held[0], -1
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass


_MIXED: dict[type, type] = {}


def _event_driven_dul(dul) -> None:
    current = type(dul)
    if issubclass(current, _EventDrivenDul) or not issubclass(current, DULServiceProvider):
        return
    if current not in _MIXED:
        _MIXED[current] = type(f"EventDriven{current.__name__}", (_EventDrivenDul, current), {})
    dul._dh_wake_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
    # closed by stop_dul once the thread has ended; a DUL stopped otherwise (its own error) closes it when collected
    dul._dh_wake_held = [dul._dh_wake_fd]
    weakref.finalize(dul, _close_held, dul._dh_wake_held)
    dul._dh_state_changed = threading.Event()
    dul.__class__ = _MIXED[current]
    dul._run_loop_delay = 0.0
    _wake_on_put(dul.to_provider_queue, dul._dh_wake)
    _wake_on_put(dul.event_queue, dul._dh_wake)
    machine = dul.state_machine

    def transition(state: str) -> None:
        type(machine).transition(machine, state)
        dul._dh_state_changed.set()

    machine.transition = transition


def _reactor(assoc, wake: threading.Event):
    """pynetdicom's Association._run_reactor (3.0), its 1 ms sleep replaced by a wait on `wake`."""
    from pynetdicom.association import LOGGER

    def run_reactor() -> None:
        assoc._is_paused = False
        idle = False
        while not assoc._kill:
            if idle:
                timer = assoc.dul._idle_timer
                timeout = REACTOR_WAIT if timer.timeout is None else max(0.0, min(REACTOR_WAIT, timer.remaining))
                wake.wait(timeout)
            wake.clear()
            if assoc._kill:
                return
            # the checkpoint, as pynetdicom's: a service sending from another thread pauses the reactor here
            assoc._is_paused = True
            assoc._reactor_checkpoint.wait()
            assoc._is_paused = False
            if not assoc._reactor_checkpoint.is_set():
                # Cleared between the wait and here: the service saw us paused and is sending; its answer is
                # not ours to take off the queue (pynetdicom's loop can take it: a request then waits for ever)
                idle = False
                continue

            context_id, msg = assoc.dimse.get_msg(block=False)
            idle = not msg
            if msg:
                assoc._serve_request(msg, context_id)

            if assoc.is_established and assoc.acse.is_release_requested():
                assoc.acse.send_release(is_response=True)
                LOGGER.info("Association Released")
                assoc.is_released = True
                assoc.is_established = False
                evt.trigger(assoc, evt.EVT_RELEASED, {})
                assoc.kill()
                return

            if assoc.acse.is_aborted():
                log_msg = "Association Aborted"
                if assoc.acse.is_aborted("a-p-abort"):
                    log_msg += " (A-P-ABORT)"
                LOGGER.info(log_msg)
                assoc.dul.receive_pdu(wait=False)
                assoc.is_aborted = True
                assoc.is_established = False
                evt.trigger(assoc, evt.EVT_ABORTED, {})
                assoc.kill()
                return

            if not assoc.dul.is_alive():
                assoc.kill()
                return

            if assoc.dul.idle_timer_expired():
                LOGGER.error("Network timeout reached")
                if assoc.network_timeout_response == "A-RELEASE":
                    assoc._is_paused = True
                    assoc._reactor_checkpoint.wait()
                    assoc.release()
                    assoc._is_paused = False
                else:
                    assoc.abort()
                assoc.kill()
                return

    return run_reactor


def _kill(assoc, wake: threading.Event):
    """pynetdicom's Association.kill, waiting for the DUL's state changes instead of sleeping 10 ms a look."""
    def kill() -> None:
        assoc._reactor_checkpoint.set()
        assoc._kill = True
        assoc.is_established = False
        assoc._is_paused = True
        wake.set()
        dul = assoc.dul
        changed = getattr(dul, "_dh_state_changed", None)
        while True:
            if changed is not None:
                changed.clear()     # before looking: a change after the look ends the wait below
            if not dul.is_alive() or dul.stop_dul():
                break
            if changed is None:
                time.sleep(0.01)
            else:
                changed.wait(0.01)
        if not dul.is_alive() and isinstance(dul, _EventDrivenDul):
            dul._dh_close()
    return kill


def _abort(assoc):
    """pynetdicom's Association._abort_blocking, without its fixed 0.1 s sleep at the end: the A-ABORT is still
    sent, the DUL stopped and the socket shut down; then the association's own thread is given up to that 0.1 s
    to end, and it ends as soon as it is woken."""
    from pynetdicom.association import LOGGER

    def abort_blocking(block: bool = True) -> None:
        if assoc._sent_abort or assoc.is_released:
            return
        assoc._sent_abort = True
        assoc._reactor_checkpoint.set()
        LOGGER.info("Aborting Association")
        assoc.acse.send_abort(0x00)
        evt.trigger(assoc, evt.EVT_ABORTED, {})
        if block is False:
            return
        assoc.kill()
        try:
            assoc.dul.socket._shutdown_socket()
        except Exception:    # noqa: BLE001 - as pynetdicom: the socket may be gone already
            pass
        if assoc.is_alive() and threading.current_thread() is not assoc:
            assoc.join(ABORT_SETTLE)
    return abort_blocking


def event_driven(event) -> None:
    """EVT_CONN_OPEN: this association's reactor, DUL, kill and abort wait for events instead of sleeping."""
    assoc = event.assoc
    if getattr(assoc, "_dh_wake", None) is not None:
        return
    wake = threading.Event()
    wake.set()
    assoc._dh_wake = wake
    checkpoint = _WakingEvent(wake)
    if assoc._reactor_checkpoint.is_set():
        threading.Event.set(checkpoint)
    assoc._reactor_checkpoint = checkpoint
    _wake_on_put(assoc.dimse.msg_queue, lambda: wake.is_set() or wake.set())
    _wake_on_put(assoc.dul.to_user_queue, lambda: wake.is_set() or wake.set())
    _event_driven_dul(assoc.dul)
    assoc._run_reactor = _reactor(assoc, wake)
    assoc.kill = _kill(assoc, wake)
    assoc._abort_blocking = _abort(assoc)
    assoc.abort = assoc._abort_blocking


REACTOR_HANDLER = (evt.EVT_CONN_OPEN, event_driven)
