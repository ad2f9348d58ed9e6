"""The Python client's build backend (PEP 517 and PEP 660), standard library only.

Why not setuptools: pip builds in an isolated environment and installs the backend there from a package index.
These machines have none, so a backend that needs nothing lets a plain `pip install ./clients/python` work offline,
and everywhere else. It builds one pure-Python wheel (the `rawframes` package and its `rawframes` command), an sdist,
and editable installs; metadata comes from pyproject.toml's [project] table, the version from the repository's VERSION
file, the one version of every RawFrames package.
"""

import base64
import hashlib
import io
import os
import tarfile
import tomllib
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = "rawframes"


def _version():
    # An sdist carries VERSION beside pyproject.toml; a checkout has it at the repository's root.
    for candidate in (PROJECT / "VERSION", PROJECT.parent.parent / "VERSION"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8").strip()
    raise RuntimeError(f"no VERSION file beside {PROJECT} or at the repository's root: the version is set there")


def _project():
    with open(PROJECT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]


def _metadata():
    project = _project()
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {_version()}", f"Summary: {project['description']}",
             f"License: {project['license']['text']}", f"Requires-Python: {project['requires-python']}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in project.get("dependencies", [])]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {requirement}; extra == "{extra}"' for requirement in requirements]
    readme = PROJECT / project["readme"]
    lines += ["Description-Content-Type: text/markdown", "", readme.read_text(encoding="utf-8")]
    return "\n".join(lines)


def _entry_points():
    scripts = _project().get("scripts", {})
    return "[console_scripts]\n" + "".join(f"{name} = {target}\n" for name, target in scripts.items())


def _dist_info():
    return f"{PACKAGE}-{_version()}.dist-info"


def _dist_info_files():
    wheel = "Wheel-Version: 1.0\nGenerator: rawframes_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    return {"METADATA": _metadata(), "WHEEL": wheel, "entry_points.txt": _entry_points()}


def _write_wheel(wheel_directory, files):
    """files: archive path -> bytes. Adds the RECORD (PEP 376: path, sha256, size) and returns the wheel's name."""
    name = f"{PACKAGE}-{_version()}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
        record_path = f"{_dist_info()}/RECORD"
        record.append(f"{record_path},,")
        wheel.writestr(record_path, "\n".join(record) + "\n")
    return name


def _with_dist_info(files):
    files.update({f"{_dist_info()}/{name}": text.encode() for name, text in _dist_info_files().items()})
    return files


def _sources():
    return sorted(path for path in (PROJECT / PACKAGE).rglob("*.py") if "__pycache__" not in path.parts)


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    folder = Path(metadata_directory) / _dist_info()
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _dist_info_files().items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {path.relative_to(PROJECT).as_posix(): path.read_bytes() for path in _sources()}
    # Installed, the package knows its version without the repository beside it.
    files[f"{PACKAGE}/_version.py"] = f'__version__ = "{_version()}"\n'.encode()
    return _write_wheel(wheel_directory, _with_dist_info(files))


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # The checkout itself on sys.path: edits take effect without reinstalling; the version comes from VERSION.
    return _write_wheel(wheel_directory, _with_dist_info({f"_{PACKAGE}_editable.pth": f"{PROJECT}\n".encode()}))


def build_sdist(sdist_directory, config_settings=None):
    root = f"{PACKAGE}-{_version()}"
    name = f"{root}.tar.gz"
    members = [PROJECT / "pyproject.toml", PROJECT / _project()["readme"], Path(__file__), *_sources()]
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        for path in members:
            sdist.add(path, arcname=f"{root}/{path.relative_to(PROJECT).as_posix()}")
        for member, text in (("VERSION", _version() + "\n"), ("PKG-INFO", _metadata())):
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{member}")
            info.size = len(data)
            sdist.addfile(info, io.BytesIO(data))
    return name
