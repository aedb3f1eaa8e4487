"""Reference storage SCPs for the throughput benchmark: pynetdicom with nothing of ours on the C-STORE path.

    python -m tests.benchmarks.bare_scp PORT                 answers Success, keeps nothing
    python -m tests.benchmarks.bare_scp PORT --durable DIR   writes each data set as received (temporary file,
                                                             fsync, rename, fsync of the folder), then Success

The first is pynetdicom's own ceiling for one storescu stream; the second adds the disk's price for an honest
Success (the simulator's store pays it too). Prints 'listening' once serving; stops on SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from pynetdicom import AE, evt
from pynetdicom.presentation import AllStoragePresentationContexts

from dicom_harness.shared.network import NODELAY_HANDLER, prepare_ae
from dicom_harness.shared.transfer_syntaxes import STORAGE_TRANSFER_SYNTAXES
from dicom_harness.simulators.store import write_durably


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--durable", type=Path)
    args = parser.parse_args()
    ae = AE(ae_title="BARE")
    prepare_ae(ae)
    for context in AllStoragePresentationContexts:
        ae.add_supported_context(context.abstract_syntax, STORAGE_TRANSFER_SYNTAXES)
    count = [0]

    def on_store(event):
        if args.durable is not None:
            count[0] += 1
            final = args.durable / f"{count[0]}.dcm"
            with event.request.DataSet.getbuffer() as data:
                write_durably(final, (b"\0" * 128, b"DICM", data), args.durable / f"{count[0]}.part")
        return 0x0000

    server = ae.start_server(("127.0.0.1", args.port), block=False,
                             evt_handlers=[NODELAY_HANDLER, (evt.EVT_C_STORE, on_store)])
    print("listening", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
