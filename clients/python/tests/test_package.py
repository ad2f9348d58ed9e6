"""The Python package as pip sees it: the build backend's wheel, sdist and metadata, the version, the command.
(Installing it into a fresh venv is scripts/test-packages.sh's part.)"""

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import rawframes

PROJECT = Path(__file__).resolve().parent.parent
VERSION = (PROJECT.parent.parent / "VERSION").read_text().strip()
sys.path.insert(0, str(PROJECT / "build_backend"))
import rawframes_build  # noqa: E402  (the backend pip loads through pyproject.toml's backend-path)
import pytest

# Starts the reference programs, a server or a converter: the full tier only (scripts/test.sh, not --fast).
pytestmark = pytest.mark.process


def test_the_version_is_the_repositorys_one_version():
    assert rawframes.__version__ == VERSION
    assert "__version__" in rawframes.__all__


def test_the_wheel_holds_every_module_its_version_and_a_rawframes_command_with_a_valid_record(tmp_path):
    name = rawframes_build.build_wheel(str(tmp_path))
    assert name == f"rawframes-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(tmp_path / name) as wheel:
        names = set(wheel.namelist())
        modules = {f"rawframes/{path.name}" for path in (PROJECT / "rawframes").glob("*.py")}
        assert modules <= names
        assert not any("__pycache__" in n or n.startswith("tests/") for n in names)
        assert wheel.read("rawframes/_version.py").decode() == f'__version__ = "{VERSION}"\n'
        info = f"rawframes-{VERSION}.dist-info"
        assert "[console_scripts]\nrawframes = rawframes.__main__:main\n" == wheel.read(f"{info}/entry_points.txt").decode()
        metadata = wheel.read(f"{info}/METADATA").decode()
        assert f"Version: {VERSION}\n" in metadata and "Requires-Dist: numpy\n" in metadata
        assert 'Requires-Dist: pillow; extra == "jpeg"' in metadata and "License: MIT" in metadata
        assert "Tag: py3-none-any" in wheel.read(f"{info}/WHEEL").decode()
        record = wheel.read(f"{info}/RECORD").decode().splitlines()
        assert {line.split(",")[0] for line in record} == names
        for line in record:
            path, digest, size = line.split(",")
            if path.endswith("RECORD"):
                continue
            data = wheel.read(path)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), path
            assert int(size) == len(data), path


def test_the_sdist_builds_the_same_wheel_without_the_repository_around_it(tmp_path):
    name = rawframes_build.build_sdist(str(tmp_path))
    with tarfile.open(tmp_path / name) as sdist:
        sdist.extractall(tmp_path / "unpacked")  # our own archive, just written
    unpacked = tmp_path / "unpacked" / f"rawframes-{VERSION}"
    assert (unpacked / "VERSION").read_text().strip() == VERSION
    assert (unpacked / "PKG-INFO").read_text().startswith("Metadata-Version: 2.1\nName: rawframes\n")
    # The sdist's own backend, in a fresh interpreter so it resolves its paths inside the unpacked sdist.
    built = subprocess.run([sys.executable, "-c", "import sys, rawframes_build; print(rawframes_build.build_wheel(sys.argv[1]))", str(tmp_path)],
                           cwd=unpacked / "build_backend", capture_output=True, text=True, check=True).stdout.strip()
    assert built == f"rawframes-{VERSION}-py3-none-any.whl"


def test_the_editable_wheel_puts_the_checkout_on_the_path(tmp_path):
    name = rawframes_build.build_editable(str(tmp_path))
    with zipfile.ZipFile(tmp_path / name) as wheel:
        assert wheel.read("_rawframes_editable.pth").decode().strip() == str(PROJECT)


def _command(*args):
    return subprocess.run([sys.executable, "-m", "rawframes", *args], cwd=PROJECT, capture_output=True, text=True, timeout=60)


def test_info_says_the_version_protocol_and_decoder():
    result = _command("info", "--json")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["version"] == VERSION and facts["protocol_version"] == 1
    assert facts["jpeg_png_decoder"] in ("opencv", "pillow")
    text = _command("info").stdout
    assert f"rawframes {VERSION} (PROTOCOL.md version 1)" in text and "JPEG and PNG: decoded with" in text


def test_receive_is_the_command_recv_is_its_short_name():
    assert "usage: python3 -m rawframes receive" in _command("receive", "--help").stdout
    assert "--listen" in _command("recv", "--help").stdout
    assert _command("--version").stdout.strip() == f"python3 -m rawframes {VERSION}"
