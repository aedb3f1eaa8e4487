"""A user's own corpus as the suites' test data (`--data DIR`): a folder of DICOM files, a TCIA or hackathon
download, read and never written.

CorpusFactory has the dataset factory's interface. make(kind) takes a corpus instance of the kind's SOP class and
returns a copy in memory: its own pixels and attributes, with a new SOP Instance UID and the study context and
Series Instance UID the test asks for (the suites store the same kind many times, and a target keeps one instance
per UID). Patient and study identity come from the factory (DH- patient IDs), so searches stay as narrow as with
synthetic data; the files themselves are opened read-only and nothing is sent anywhere but to the target under
test. A kind the corpus lacks, or a transfer syntax its pixels cannot be re-encoded into, is NOT APPLICABLE with
the reason; Key Object Selection Documents and GSPS that refer to corpus copies are made by the factory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID, ExplicitVRLittleEndian

from dicom_harness.data.datasets import KINDS, PRIVATE_CREATOR, DatasetFactory, encode_as
from dicom_harness.errors import HarnessUserError, NotApplicable


class CorpusError(HarnessUserError):
    exit_code = 2


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    sop_class: str
    rows: int
    columns: int
    frames: int


def read_corpus(folder: str | Path) -> dict[str, list[CorpusFile]]:
    """{SOP Class UID: files}, every readable DICOM file under folder (headers only, read-only)."""
    root = Path(folder)
    if not root.is_dir():
        raise CorpusError(f"--data {folder}: not a folder")
    found: dict[str, list[CorpusFile]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            with path.open("rb") as handle:
                ds = dcmread(handle, stop_before_pixels=True)
            sop_class = str(ds.SOPClassUID)
            _ = ds.SOPInstanceUID
        except (InvalidDicomError, AttributeError, KeyError, ValueError, EOFError, OSError):
            continue
        found.setdefault(sop_class, []).append(CorpusFile(path, sop_class, int(ds.get("Rows", 0) or 0),
                                                          int(ds.get("Columns", 0) or 0),
                                                          int(ds.get("NumberOfFrames", 1) or 1)))
    if not found:
        raise CorpusError(f"--data {folder}: no DICOM files found")
    return found


def describe_corpus(folder: str | Path, files: dict[str, list[CorpusFile]]) -> str:
    """'4 DICOM file(s) in DIR, copied for the kinds CT, MR, CR (others NOT APPLICABLE)'."""
    kinds = [k for k, uid in KINDS.items() if uid in files]
    count = sum(len(v) for v in files.values())
    return (f"{count} DICOM file(s) in {folder}, copied for the kinds {', '.join(kinds) or 'none'} "
            f"(tests needing other kinds are NOT APPLICABLE)")


@dataclass
class CorpusFactory(DatasetFactory):
    folder: str = ""
    files: dict[str, list[CorpusFile]] = field(default_factory=dict)
    _used: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.files:
            self.files = read_corpus(self.folder)

    def describe(self) -> str:
        return describe_corpus(self.folder, self.files)

    def make(self, kind: str = "CT", *, study: Dataset | None = None, series_uid: UID | None = None,
             transfer_syntax: UID = ExplicitVRLittleEndian, private: bool = True,
             matrix: tuple[int, int] | None = None, references: Sequence[Dataset] = ()) -> Dataset:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
        candidates = self.files.get(KINDS[kind], [])
        if references:
            return super().make(kind, study=study, series_uid=series_uid, transfer_syntax=transfer_syntax,
                                private=private, references=references)
        if matrix:
            candidates = [f for f in candidates if f.rows * f.columns >= matrix[0] * matrix[1]]
        if not candidates:
            wanted = f" of at least {matrix[0]}x{matrix[1]} pixels" if matrix else ""
            raise NotApplicable(f"the corpus (--data {self.folder}) has no {UID(KINDS[kind]).name} "
                                f"instance{wanted}")
        number = self._used.get(kind, 0)
        self._used[kind] = number + 1
        chosen = candidates[number % len(candidates)]
        with chosen.path.open("rb") as handle:
            ds = dcmread(handle)
        if ds.file_meta.TransferSyntaxUID.is_compressed:
            try:
                ds.decompress()
            except Exception as exc:
                raise NotApplicable(f"the corpus's {UID(KINDS[kind]).name} instance {chosen.path.name} is "
                                    f"compressed ({ds.file_meta.TransferSyntaxUID.name}) and cannot be decoded "
                                    f"here: {exc}") from None
        for element in (study or self.study()):
            ds[element.tag] = element
        ds.SOPInstanceUID = self.uid()
        ds.SeriesInstanceUID = series_uid or self.uid()
        if "SpecificCharacterSet" not in ds:
            ds.SpecificCharacterSet = "ISO_IR 100"
        if "ImageComments" not in ds and kind not in ("KOS", "GSPS"):
            ds.ImageComments = "corpus copy"     # a Type 3 attribute, for Level 2 checks
        if private:
            block = ds.private_block(0x0009, PRIVATE_CREATOR, create=True)
            block.add_new(0x01, "LO", f"run {self.run_id}")
        try:
            return encode_as(ds, transfer_syntax)
        except ValueError as exc:
            raise NotApplicable(f"the corpus's {chosen.path.name} cannot be sent in "
                                f"{UID(transfer_syntax).name}: {exc}") from None
