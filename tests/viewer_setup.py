"""Setting up the viewer tests: the npm packages of tests/viewer_page/package.json installed into a cache folder
(never into the repository), the Cornerstone3D page bundled there with esbuild, and a static HTTP server for it.

The cache folder is DICOM_HARNESS_VIEWER_CACHE, default ~/.cache/dicom-harness/viewers; a finished bundle is kept
(keyed by the hash of package.json and main.js), so only the first run pays for npm."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading
from functools import partial
from pathlib import Path

PAGE = Path(__file__).parent / "viewer_page"
# The decoders' WebAssembly files, at the URLs the bundled worker asks for (new URL("<pkg>/<export>", import.meta.url))
WASM = {"@cornerstonejs/codec-charls/decodewasm": "@cornerstonejs/codec-charls/dist/charlswasm_decode.wasm",
        "@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm":
            "@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.wasm",
        "@cornerstonejs/codec-openjpeg/decodewasm": "@cornerstonejs/codec-openjpeg/dist/openjpegwasm_decode.wasm",
        "@cornerstonejs/codec-openjph/wasm": "@cornerstonejs/codec-openjph/dist/openjphjs.wasm"}


class SetupError(Exception):
    pass


def cache_folder() -> Path:
    return Path(os.environ.get("DICOM_HARNESS_VIEWER_CACHE", Path.home() / ".cache" / "dicom-harness" / "viewers"))


def _run(command: list[str], cwd: Path, timeout: float) -> None:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise SetupError(f"{' '.join(command)} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-1500:]}")


def cornerstone_page(npm: str) -> Path:
    """The folder to serve: index.html, main.js (bundled), decodeImageFrameWorker.js and the decoders' wasm."""
    key = hashlib.sha256(b"".join((PAGE / n).read_bytes() for n in ("package.json", "main.js", "index.html")))
    root = cache_folder() / "cornerstone"
    out = root / f"page-{key.hexdigest()[:12]}"
    if (out / "main.js").exists():
        return out
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(PAGE / "package.json", root / "package.json")
    modules = root / "node_modules"
    if not (modules / "@cornerstonejs" / "dicom-image-loader").exists() or not (modules / ".bin" / "esbuild").exists():
        _run([npm, "install", "--no-audit", "--no-fund", "--no-save"], root, timeout=600)
    shutil.copy(PAGE / "main.js", root / "main.js")
    staging = root / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    worker = "node_modules/@cornerstonejs/dicom-image-loader/dist/esm/decodeImageFrameWorker.js"
    esbuild = modules / "esbuild" / "bin" / "esbuild"
    if not esbuild.exists():
        esbuild = modules / ".bin" / "esbuild"
    _run([str(esbuild), "main.js", f"decodeImageFrameWorker={worker}", "--bundle", "--format=esm",
          f"--outdir={staging}", "--loader:.wasm=file", "--log-level=error",
          *(f"--external:{name}" for name in ("fs", "path", "module", "url", "crypto"))], root, timeout=300)
    for url, source in WASM.items():
        target = staging / url
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(modules / source, target)
    shutil.copy(PAGE / "index.html", staging / "index.html")
    (staging / "versions.json").write_text(json.dumps(_versions(modules), indent=1))
    staging.rename(out)
    return out


def _versions(modules: Path) -> dict[str, str]:
    found = {}
    for name in json.loads((PAGE / "package.json").read_text())["dependencies"]:
        meta = modules / name / "package.json"
        if meta.exists():
            found[name] = json.loads(meta.read_text())["version"]
    return found


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".wasm": "application/wasm"}

    def guess_type(self, path):
        if "/@cornerstonejs/" in str(path):
            return "application/wasm"
        return super().guess_type(path)

    def log_message(self, *args) -> None:
        pass


class StaticServer:
    """A folder over HTTP on a free loopback port, in a thread."""

    def __init__(self, folder: Path):
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "StaticServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


# OHIF's prebuilt viewer: the dist folder of the npm package @ohif/app (fetched with `npm pack`, no dependencies to
# install: the folder is the built application)
OHIF_VERSION = "3.13.2"


def ohif_dist(npm: str) -> Path:
    """The dist folder of @ohif/app OHIF_VERSION, unpacked into the cache folder once."""
    import tarfile
    import tempfile
    root = cache_folder() / "ohif"
    out = root / f"app-{OHIF_VERSION}"
    if (out / "index.html").exists():
        return out
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as work:
        _run([npm, "pack", f"@ohif/app@{OHIF_VERSION}", "--pack-destination", work, "--silent"], root, timeout=600)
        packed = next(Path(work).glob("*.tgz"), None)
        if packed is None:
            raise SetupError("npm pack @ohif/app gave no tarball")
        staging = Path(work) / "dist"
        with tarfile.open(packed) as archive:
            members = [m for m in archive.getmembers()
                       if m.name.startswith("package/dist/") and (m.isfile() or m.isdir())]
            for member in members:
                member.name = member.name[len("package/dist/"):]
            archive.extractall(staging, members=[m for m in members if m.name], filter="data")
        if not (staging / "index.html").exists():
            raise SetupError(f"@ohif/app {OHIF_VERSION} has no dist/index.html")
        staging.rename(out)
    return out


def ohif_config(base: str, name: str = "dicom-harness") -> str:
    """app-config.js: one DICOMweb data source at base (QIDO-RS, WADO-RS with the wadors image loader)."""
    source = {"namespace": "@ohif/extension-default.dataSourcesModule.dicomweb", "sourceName": "dh",
              "configuration": {"friendlyName": name, "name": "dh", "qidoRoot": base, "wadoRoot": base,
                                "wadoUriRoot": base, "qidoSupportsIncludeField": True, "imageRendering": "wadors",
                                "thumbnailRendering": "wadors", "enableStudyLazyLoad": True,
                                "supportsFuzzyMatching": False, "supportsWildcard": True, "staticWado": False,
                                "singlepart": "bulkdata,video", "bulkDataURI": {"enabled": True},
                                "omitQuotationForMultipartRequest": True}}
    config = {"routerBasename": None, "extensions": [], "modes": [], "customizationService": {},
              "showStudyList": True, "maxNumberOfWebWorkers": 1, "showWarningMessageForCrossOrigin": False,
              "showCPUFallbackMessage": False, "showLoadingIndicator": True, "strictZSpacingForVolumeViewport": True,
              "defaultDataSourceName": "dh", "dataSources": [source], "showErrorDetails": "always"}
    return f"window.config = {json.dumps(config, indent=1)};\n"


class _OhifHandler(_Handler):
    """The dist folder, app-config.js from the server's config, index.html for every route of the single-page app."""

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/app-config.js":
            body = self.server.app_config.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        local = Path(self.translate_path(path))
        if not local.is_file():
            self.path = "/index.html"
        return super().do_GET()

    def guess_type(self, path):
        if str(path).endswith(".wasm"):
            return "application/wasm"
        return http.server.SimpleHTTPRequestHandler.guess_type(self, path)


class OhifServer(StaticServer):
    """OHIF's dist folder over HTTP with an app-config.js pointing at one DICOMweb base URL."""

    def __init__(self, folder: Path, base: str, name: str = "dicom-harness"):
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                       partial(_OhifHandler, directory=str(folder)))
        self._server.app_config = ohif_config(base, name)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
