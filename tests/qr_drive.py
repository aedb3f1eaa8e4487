"""What tests/test_listen_qr.py gives `listen --drive`: a real Query/Retrieve SCU doing what a workstation user
does, against the address listen printed. First a STUDY query with universal keys (the user does not know the
study yet), then a SERIES query of the study found, then a retrieve of that study.

    python tests/qr_drive.py dcmtk-get  AE HOST PORT WORKDIR FINDSCU GETSCU
    python tests/qr_drive.py dcmtk-move AE HOST PORT WORKDIR FINDSCU MOVESCU MOVE_PORT
    python tests/qr_drive.py orthanc    AE HOST PORT ORTHANC_HTTP_URL

Prints what it did; exits non-zero when a step fails (listen reports the exit code and judges what arrived)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pydicom

ENV = {**os.environ, "TCP_NODELAY": "1"}


def _run(*args: str) -> None:
    print("$", " ".join(args), flush=True)
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=60, env=ENV)
    if proc.returncode != 0:
        print(proc.stderr[-1500:], flush=True)
        raise SystemExit(f"{Path(args[0]).name} ended with exit code {proc.returncode}")


def _find(findscu: str, ae: str, host: str, port: str, out: Path, *keys: str, cancel: bool = False
          ) -> list[pydicom.Dataset]:
    out.mkdir(parents=True, exist_ok=True)
    _run(findscu, "-S", "-aec", ae, "-X", "-od", str(out), *(["--cancel", "1"] if cancel else []),
         *(x for key in keys for x in ("-k", key)), host, port)
    return [pydicom.dcmread(path) for path in sorted(out.iterdir())]


def dcmtk(retrieve: str, ae: str, host: str, port: str, workdir: str, findscu: str, retriever: str,
          move_port: str = "") -> None:
    work = Path(workdir)
    studies = _find(findscu, ae, host, port, work / "studies", "QueryRetrieveLevel=STUDY", "PatientID",
                    "PatientName", "StudyInstanceUID", "StudyDate")
    if not studies:
        raise SystemExit("the STUDY query found nothing")
    study = str(studies[0].StudyInstanceUID)
    print(f"study {study} of patient {studies[0].PatientID}", flush=True)
    # findscu --cancel 1: a C-CANCEL after the first answer (the user wanted one series to preview)
    series = _find(findscu, ae, host, port, work / "series", "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={study}",
                   "SeriesInstanceUID", "Modality", "SeriesNumber", cancel=True)
    print(f"{len(series)} series answer(s) before the cancel took effect", flush=True)
    (work / "retrieved").mkdir(exist_ok=True)
    keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}"]
    if retrieve == "get":
        _run(retriever, "-S", "-aec", ae, "-od", str(work / "retrieved"), *keys, host, port)
    else:
        _run(retriever, "-S", "-aec", ae, "-aet", "MOVESCU", "-aem", "MOVESCU", "+P", move_port,
             "-od", str(work / "retrieved"), *keys, host, port)
    print(f"{len(list((work / 'retrieved').iterdir()))} instance(s) retrieved", flush=True)


def orthanc(ae: str, host: str, port: str, url: str) -> None:
    import httpx
    with httpx.Client(base_url=url, timeout=30) as http:
        http.put("/modalities/listened", json={"AET": ae, "Host": host, "Port": int(port)}).raise_for_status()
        query = http.post("/modalities/listened/query", json={"Level": "Study", "Query": {
            "PatientID": "", "PatientName": "", "StudyDate": "", "StudyInstanceUID": ""}})
        query.raise_for_status()
        path = query.json()["Path"]
        answers = http.get(f"{path}/answers", params={"expand": ""}).json()
        print(f"{len(answers)} study answer(s)", flush=True)
        if not answers:
            raise SystemExit("the STUDY query found nothing")
        series = http.post(f"{path}/answers/0/query-series", json={"Query": {"Modality": "", "SeriesNumber": ""}})
        series.raise_for_status()
        print(f"{len(http.get(series.json()['Path'] + '/answers').json())} series answer(s)", flush=True)
        moved = http.post(f"{path}/answers/0/retrieve", json={"Synchronous": True})
        print(f"retrieve: HTTP {moved.status_code} {moved.text[:200]}", flush=True)
        moved.raise_for_status()
        print(f"Orthanc now holds {len(http.get('/instances').json())} instance(s)", flush=True)


if __name__ == "__main__":
    kind, *rest = sys.argv[1:]
    if kind == "orthanc":
        orthanc(*rest)
    else:
        dcmtk(kind.removeprefix("dcmtk-"), *rest)
