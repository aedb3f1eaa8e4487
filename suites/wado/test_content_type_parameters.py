"""PS3.18 8.7.9: the parameters of a DICOM Media Type in a response's Content-Type (the message's and each
part's)."""

from dicom_harness.testing import MULTIPART_DICOM, requirement, study_paths

DICOM_MEDIA_TYPES = ("application/dicom", "application/dicom+json", "application/dicom+xml")


def _parameter_names(value: str) -> list[str]:
    """The parameter names of a media type, in order and repeated as sent (quoted ';' kept out)."""
    names, current, quoted = [], "", False
    for char in value + ";":
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            names.append(current.partition("=")[0].strip().lower())
            current = ""
        else:
            current += char
    return [n for n in names[1:] if n]


def _findings(where: str, value: str) -> list[str]:
    media = value.split(";")[0].strip().lower()
    names = _parameter_names(value)
    if media == "multipart/related":
        type_ = next((p.partition("=")[2].strip().strip('"').lower() for p in value.split(";")[1:]
                      if p.strip().lower().startswith("type=")), "")
        if type_ not in DICOM_MEDIA_TYPES:
            return []
    elif media not in DICOM_MEDIA_TYPES:
        return []
    return [f"{where}: {value!r} has {names.count(name)} {name} parameters"
            for name in ("transfer-syntax", "charset") if names.count(name) > 1]


@requirement("WADO-CONTENT-TYPE-PARAMETERS")
def test_dicom_media_types_have_at_most_one_syntax_and_charset(dicomweb, web_study):
    """GET the CR series (multipart/related; type="application/dicom") and its metadata (application/dicom+json);
    PS3.18 8.7.9: a DICOM Media Type as a Content-Type value "shall have zero or one Transfer Syntax parameter
    ..., and zero or one charset parameter", for the message and each part."""
    paths = study_paths(web_study.images[0])
    wrong = []
    response = dicomweb.retrieve(paths["series"], MULTIPART_DICOM)
    assert response.status_code == 200, (
        f"GET the series Accept {MULTIPART_DICOM}: expected 200, observed {response.status_code}")
    wrong += _findings("series message", response.headers.get("content-type", ""))
    for number, part in enumerate(dicomweb.multipart_of(response).parts, 1):
        wrong += _findings(f"series part {number}", part.content_type)
    metadata = dicomweb.retrieve(paths["series"] + "/metadata", "application/dicom+json")
    if metadata.status_code == 200:
        wrong += _findings("series metadata", metadata.headers.get("content-type", ""))
    assert not wrong, f"expected at most one transfer-syntax and one charset parameter (PS3.18 8.7.9): {'; '.join(wrong)}"


@requirement("WADO-RENDERED-NO-TRANSFER-SYNTAX")
def test_rendered_media_types_have_no_transfer_syntax(dicomweb, web_study):
    """GET the rendered CR image as image/jpeg and image/png and frame 1 of the multi-frame image as image/jpeg;
    PS3.18 8.7.4: "A Transfer Syntax media type parameter is not permitted for Rendered Media Types"."""
    instance = study_paths(web_study.images[0])["instance"]
    frame = study_paths(web_study.multiframe)["instance"] + "/frames/1"
    wrong = []
    for path, accept in ((instance, "image/jpeg"), (instance, "image/png"), (frame, "image/jpeg")):
        response = dicomweb.retrieve(path + "/rendered", accept)
        if response.status_code != 200:
            continue                        # WADO-RENDERED and WADO-RENDERED-FRAMES judge that
        value = response.headers.get("content-type", "")
        if "transfer-syntax" in _parameter_names(value):
            wrong.append(f"{path.rsplit('/', 2)[-1]} rendered as {accept}: Content-Type {value!r}")
    assert not wrong, f"expected no transfer-syntax parameter on a Rendered Media Type (PS3.18 8.7.4): {'; '.join(wrong)}"
