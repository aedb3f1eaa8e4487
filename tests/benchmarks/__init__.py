

def dcmtk(tool: str) -> str | None:
    """The absolute path of dcmtk's `tool` (storescu, storescp...), never pynetdicom's console script of that name
    that an activated venv puts first on PATH; None when dcmtk is not installed."""
    import shutil

    from tests.conftest import outside_our_environment
    return shutil.which(tool, path=outside_our_environment())
