"""Run a load with Locust as a library: a local runner (no --workers) or a master with local worker processes
(and remote ones, started with `dicom-harness load --worker --master-host HOST`). Locust, which monkey-patches
the process with gevent, is imported inside the functions: only the load command and its workers call them."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from dicom_harness.errors import HarnessUserError
from dicom_harness.load import ledger
from dicom_harness.load.config import LoadConfig
from dicom_harness.load.users import user_classes, weighted

CSV_PREFIX = "load"           # load_stats.csv, load_stats_history.csv, load_failures.csv, load_exceptions.csv
HTML_NAME = "load.html"
LEDGER_NAME = "load-acknowledged.jsonl"
# At the end, users finish the operation they are in (so an acknowledged store is recorded) for up to this long;
# a Locust worker also waits this long after a stop before it reads its next message (the quit)
STOP_TIMEOUT = 2.0


@dataclass
class Plan:
    users: int
    spawn_rate: float
    duration: float
    workers: int = 0
    expect_workers: int = 0
    master_bind_host: str = "127.0.0.1"
    master_port: int = 0


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float


@dataclass
class Outcome:
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    failures: list[str] = field(default_factory=list)      # "name: error (count)"
    exceptions: list[str] = field(default_factory=list)    # harness-side tracebacks Locust caught


def parsed_options(config: LoadConfig):
    """Locust's own defaults plus our configuration: Locust sends the non-default options of the master to
    every worker with each spawn message, so remote workers learn the target from the master."""
    from locust import argument_parser
    parser = argument_parser.get_empty_argument_parser()
    argument_parser.setup_parser_arguments(parser)
    options = parser.parse(args=[])
    options.dh_load_config = config.to_json()
    options.headless = True
    return options


def run(config: LoadConfig, plan: Plan, report_dir: Path) -> Outcome:
    import gevent
    from locust.env import Environment
    from locust.html import get_html_report
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter, stats_history
    env = Environment(user_classes=weighted(config.weights), parsed_options=parsed_options(config),
                      host=_describe(config),
                      stop_timeout=STOP_TIMEOUT)
    ledger.open_ledger(report_dir / LEDGER_NAME)
    workers: list[subprocess.Popen] = []
    expected = max(plan.expect_workers, plan.workers)
    if expected:
        port = plan.master_port or _free_port()
        runner = env.create_master_runner(plan.master_bind_host, port)
        runner.register_message(ledger.MESSAGE, ledger.on_message)
        workers = [subprocess.Popen([sys.executable, "-m", "dicom_harness.load.worker", "127.0.0.1", str(port)])
                   for _ in range(plan.workers)]
        _wait_for_workers(runner, expected, workers)
    else:
        runner = env.create_local_runner()
    history = gevent.spawn(stats_history, runner)
    csv_writer = StatsCSVFileWriter(env, PERCENTILES_TO_REPORT, str(report_dir / CSV_PREFIX), full_history=True)
    writing = gevent.spawn(csv_writer)
    try:
        runner.start(plan.users, spawn_rate=plan.spawn_rate)
        gevent.sleep(plan.duration)
        runner.stop()
        _wait_until_stopped(runner, expected)
    finally:
        writing.kill()
        _final_csv(csv_writer)
        (report_dir / HTML_NAME).write_text(get_html_report(env, show_download_link=False), encoding="utf-8")
        history.kill()
        runner.quit()
        for process in workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return _outcome(env)


def _describe(config: LoadConfig) -> str:
    """What Locust's report shows as the target host."""
    parts = []
    if config.dimse:
        parts.append(f"DIMSE {config.dimse['ae_title']}@{config.dimse['host']}:{config.dimse['port']}")
    if config.dicomweb:
        parts.append(f"DICOMweb {config.dicomweb['base_url']}")
    return ", ".join(parts)


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_workers(runner, expected: int, workers: list[subprocess.Popen], timeout: float = 60.0) -> None:
    import gevent
    deadline = time.monotonic() + timeout
    while len(runner.clients.ready) < expected:
        if any(process.poll() is not None for process in workers):
            raise HarnessUserError("load: a Locust worker process ended at start; see its messages above")
        if time.monotonic() > deadline:
            raise HarnessUserError(f"load: {len(runner.clients.ready)} of {expected} Locust workers connected "
                                   f"within {timeout:.0f} s")
        gevent.sleep(0.1)


def _wait_until_stopped(runner, expected: int, timeout: float = 30.0) -> None:
    """A master waits for its workers to stop their users and send their last statistics and acknowledgements."""
    if not expected:
        return
    import gevent
    deadline = time.monotonic() + timeout
    while runner.clients.running and time.monotonic() < deadline:
        gevent.sleep(0.1)
    gevent.sleep(3.5)          # workers report statistics every 3 s: let the last report arrive


def _final_csv(writer) -> None:
    """The CSV writer rewrites its files each second while the load runs; once more here, with the final
    figures, then the files are closed."""
    for handle, columns, rows in (
            (writer.requests_csv_filehandle, writer.requests_csv_columns, writer._requests_data_rows),
            (writer.failures_csv_filehandle, writer.failures_columns, writer._failures_data_rows),
            (writer.exceptions_csv_filehandle, writer.exceptions_columns, writer._exceptions_data_rows)):
        handle.seek(0)
        handle.truncate()
        csv_writer = __import__("csv").writer(handle)
        csv_writer.writerow(columns)
        rows(csv_writer)
    writer.close_files()


def _row(entry) -> Row:
    return Row(entry.name, entry.num_requests, entry.num_failures, entry.get_response_time_percentile(0.5),
               entry.get_response_time_percentile(0.95), entry.get_response_time_percentile(0.99), entry.total_rps)


def _outcome(env) -> Outcome:
    stats = env.runner.stats
    outcome = Outcome(rows=[_row(entry) for entry in sorted(stats.entries.values(), key=lambda e: e.name)],
                      total=_row(stats.total))
    outcome.failures = [f"{error.name}: {error.error} ({error.occurrences}x)" for error in stats.errors.values()]
    outcome.exceptions = [f"{item['msg']} ({item['count']}x)\n{item['traceback']}"
                          for item in env.runner.exceptions.values()]
    return outcome


def worker_main(master_host: str, master_port: int) -> int:
    """A Locust worker: the master sends the users to run and the target's configuration."""
    from locust.env import Environment
    env = Environment(user_classes=list(user_classes().values()))
    runner = env.create_worker_runner(master_host, master_port)
    runner.greenlet.join()
    return 0
