"""The run options, declared once: `pytest` (through the plugin), `dicom-harness run`, a `--targets` entry and
every re-run command are all built from OPTIONS."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    metavar: str | None = None
    repeat: bool = False            # may be given many times; its value is a list
    type: type = str
    default: object = None
    cli_default: object = None      # `dicom-harness run` only, where it differs from pytest's
    cli: bool = True                # also a `dicom-harness run` option; False: set by the command line itself
    names_target: bool = False      # says which target is tested: in every re-run command and --targets entry
    quick: bool = False             # a quick form describing a running product; replaces --target and --fault
    rerun_default: str | None = None
    switch: bool = False            # a flag without a value (store_true)

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def key(self) -> str:
        """Its name in a --targets entry: 'fault' for --fault."""
        return self.dest


OPTIONS = (
    Option("--target", metavar="TARGET", names_target=True, rerun_default="simulators",
           help="'simulators' (default), 'orthanc' (starts Debian's Orthanc locally), 'dcmqrscp' (starts dcmtk's "
                "archive locally), 'pixelmed' (starts PixelMed's storage server locally), 'wlmscpfs' (starts dcmtk's worklist SCP locally), 'docker:orthanc' or 'docker:orthanc-1.12' (Orthanc 1.10 or 1.12 in a container built "
                "locally from Debian packages), or a profile .toml describing a running product"),
    Option("--dimse", metavar="AET@HOST:PORT", names_target=True, quick=True,
           help="quick form for a running DIMSE product, assuming Verification and Storage"),
    Option("--dicomweb", metavar="URL", names_target=True, quick=True,
           help="quick form for a running DICOMweb service (its base URL, e.g. http://host:8042/dicom-web), "
                "assuming QIDO-RS, WADO-RS and STOW-RS without authentication; combine with --dimse for a "
                "product offering both"),
    Option("--fault", metavar="NAME", repeat=True, names_target=True,
           help="with the simulators: switch on a named fault (repeatable; see 'dicom-harness faults')"),
    Option("--tls", switch=True, names_target=True, default=False,
           help="with the simulators: the DIMSE port and DICOMweb speak TLS, with certificates made for the run "
                "(PS3.15 B.9-B.11); without it the security suite uses the PACS simulator's second, TLS-only port"),
    Option("--suite", metavar="DIR", repeat=True,
           help="also run your own tests from this folder, with its requirements/*.toml added to the catalogue "
                "(repeatable)"),
    Option("--seed", type=int, default=0, help="seed of the dataset factory (default 0)"),
    Option("--data", metavar="DIR",
           help="use your own corpus (a folder of DICOM files, e.g. a TCIA download) instead of synthetic data: "
                "copies with new UIDs are sent to the target, the files are never modified; tests needing what "
                "the corpus lacks are NOT APPLICABLE"),
    Option("--report-dir", metavar="DIR", cli_default="conformance-report",
           help="where index.html, junit.xml and results.json go (`dicom-harness run`: default ./conformance-report)"),
    Option("--results-file", metavar="FILE", cli=False,
           help="write one JSON result record per test to this file"),
    Option("--recording", metavar="DIR", cli=False,
           help="judge a client instead of testing a server: the recording `dicom-harness listen` made of what the "
                "product sent; runs the client-side suites only"),
)
TARGET_OPTIONS = tuple(o for o in OPTIONS if o.names_target)


def _add(add, option: Option, default) -> None:
    if option.switch:
        add(option.flag, action="store_true", default=False, help=option.help)
        return
    kwargs = {"default": [] if option.repeat else default, "help": option.help, "metavar": option.metavar}
    if option.repeat:
        kwargs["action"] = "append"
    if option.type is not str:
        kwargs["type"] = option.type
    add(option.flag, **kwargs)


def pytest_addoption(parser):
    group = parser.getgroup("dicom-harness")
    for option in OPTIONS:
        _add(group.addoption, option, option.default)


def add_run_arguments(parser, only: tuple[str, ...] | None = None) -> None:
    """The same options on an argparse parser (`dicom-harness run`; `only` these flags for other commands)."""
    for option in OPTIONS:
        if option.cli and (only is None or option.flag in only):
            _add(parser.add_argument, option, option.cli_default if option.cli_default is not None else option.default)


def arguments(options, values: Mapping[str, object]) -> list[str]:
    """The command-line form of these options' values (an option without a value is left out)."""
    found: list[str] = []
    for option in options:
        value = values.get(option.dest)
        if option.switch:
            found += [option.flag] if value else []
            continue
        for one in (value or []) if option.repeat else [value]:
            if one is not None:
                found += [option.flag, str(one)]
    return found


def target_arguments(values: Mapping[str, object]) -> list[str]:
    """The options naming the target, for a re-run command: the quick forms when given (they describe a running
    product), else --target (default 'simulators') with its faults."""
    quick = [o for o in TARGET_OPTIONS if o.quick and values.get(o.dest)]
    if quick:
        return arguments(quick, values)
    chosen = [o for o in TARGET_OPTIONS if not o.quick]
    filled = {o.dest: values.get(o.dest) or o.rerun_default for o in chosen}
    return arguments(chosen, filled)


def rerun_command(values: Mapping[str, object], node: str, suite: str | None = None) -> str:
    """`dicom-harness run ... --test NODE`: runs this one test again on the same target; `suite` is the user's
    suite folder holding it (None for the built-in suites). A client's test judges its recording again."""
    extra = ["--suite", suite] if suite else []
    if values.get("data"):          # the same corpus, or a FAIL may not reproduce (a NOT APPLICABLE would not)
        extra += ["--data", str(values["data"])]
    if values.get("recording"):
        return shlex.join(["dicom-harness", "judge", str(values["recording"]), *extra, "--test", node])
    return shlex.join(["dicom-harness", "run", *target_arguments(values), *extra, "--test", node])


def pytest_values(config) -> dict[str, object]:
    """The values of OPTIONS in a pytest session, by dest."""
    return {option.dest: config.getoption(option.dest) for option in OPTIONS}
