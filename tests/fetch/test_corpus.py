"""Fetching every source of the registry from a local HTTP server serving fixture archives in
each corpus's real layout and packaging, then reading the unpacked result with the adapters
and the paper config's dataset settings; `mvc fetch` by hand; a copy in place used as is."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import socket
from pathlib import Path

import pytest
import yaml

from mvc.cli import main
from mvc.data.build_manifest import build_manifest
from mvc.data.manifest import read_manifest
from mvc.fetch.corpus import MARKER, fetch_source
from mvc.fetch.sources import source

from .archives import published

ROOT = Path(__file__).resolve().parents[2]
PAPER = yaml.safe_load((ROOT / "configs/paper.yaml").read_text())
REAL_REGISTRY = yaml.safe_load((ROOT / "configs/sources.yaml").read_text())


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def registry_for(server, files) -> dict:
    """The real registry's entries with their files served by `server`."""
    registry = copy.deepcopy(REAL_REGISTRY)
    for name, entries in files.items():
        registry[name]["files"] = []
        for filename, data, entry in entries:
            server.files[f"/{name}/{filename}"] = data
            registry[name]["files"].append({"url": server.url(f"/{name}/{filename}"),
                                            "size": len(data), **entry})
    return registry


@pytest.fixture
def served(server, real_layout_corpora):
    return registry_for(server, published(real_layout_corpora))


def test_the_fixture_archives_provide_what_the_real_registry_lists(real_layout_corpora):
    files = published(real_layout_corpora)
    assert sorted(files) == sorted(REAL_REGISTRY)
    for name, entries in files.items():
        real = [{k: f.get(k, ".") for k in ("archive", "provides", "extract_to")}
                for f in REAL_REGISTRY[name]["files"]]
        ours = [{k: e.get(k, ".") for k in ("archive", "provides", "extract_to")}
                for _, _, e in entries]
        assert ours == real, name


def test_every_source_downloads_verifies_unpacks_and_the_adapters_read_it(
        served, settings, real_layout_corpora, tmp_path, monkeypatch):
    resources = tmp_path / "resources"
    for name in served:
        marker = fetch_source(name, source(served, name), resources, settings)
        record = json.loads(marker.read_text())
        assert {f["status"] for f in record["files"]} == {"downloaded"}
        assert [f["sha256"] for f in record["files"]] == [f["sha256"]
                                                         for f in served[name]["files"]]
        unpacked = {k: v for k, v in tree(resources / name).items() if k != MARKER}
        expected = ({"large-v3.pt": hashlib.sha256(b"not really a checkpoint").hexdigest()}
                    if name == "whisper" else tree(real_layout_corpora[name]))
        assert unpacked == expected, name
    assert not (resources / ".downloads" / "ljspeech" / "LJSpeech-1.1.tar.bz2").exists()

    monkeypatch.chdir(tmp_path)  # the paper config's roots are relative: resources/...
    for dataset, spec in PAPER["datasets"].items():
        out = tmp_path / "manifests" / f"{dataset}.csv"
        build_manifest(dataset, spec, PAPER["seed"], out)
        rows = read_manifest(out)
        corpus = Path(spec["root"]).parts[1]
        if spec["adapter"] == "gutenberg":
            assert {r.utt_id.rsplit("_", 1)[0] for r in rows} == {"pg1", "pg1661"}
            continue
        wavs = [p for p in (resources / corpus).rglob("*") if p.suffix in (".wav", ".flac")]
        if spec["adapter"] == "libritts":  # the paper trains on two of the three subsets
            wavs = [p for p in wavs if "test-clean" not in p.parts]
        assert len(rows) == len(wavs) > 0, dataset
        assert all(Path(r.audio_path).is_file() for r in rows)


def test_a_copy_in_place_is_used_as_is(served, settings, real_layout_corpora, tmp_path,
                                       server):
    resources = tmp_path / "resources"
    product = resources / "ljspeech" / "LJSpeech-1.1"
    shutil.copytree(real_layout_corpora["ljspeech"] / "LJSpeech-1.1", product)
    marker = fetch_source("ljspeech", source(served, "ljspeech"), resources, settings)
    assert json.loads(marker.read_text())["files"][0]["status"] == "present"
    assert server.requests == []


def write_config(tmp_path: Path, registry: dict, settings) -> Path:
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(registry))
    fetch = {**settings.__dict__, "sources": str(tmp_path / "sources.yaml")}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"fetch": fetch}))
    return path


def test_mvc_fetch_by_hand(served, settings, tmp_path):
    config = write_config(tmp_path, served, settings)
    resources = tmp_path / "resources"
    assert main(["fetch", "whisper", "--config", str(config),
                 "--resources", str(resources)]) == 0
    assert (resources / "whisper" / "large-v3.pt").read_bytes() == b"not really a checkpoint"
    assert (resources / "whisper" / MARKER).is_file()


def test_mvc_fetch_without_network_names_the_local_path(settings, tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    registry = copy.deepcopy(REAL_REGISTRY)
    registry["vctk"]["files"][0]["url"] = f"http://127.0.0.1:{port}/VCTK-Corpus-0.92.zip"
    config = write_config(tmp_path, registry, settings)
    resources = tmp_path / "resources"
    assert main(["fetch", "vctk", "--config", str(config), "--resources", str(resources)]) == 2
    message = capsys.readouterr().err
    assert "cannot reach the server" in message
    assert f"place a local copy at {resources}/vctk/VCTK-Corpus-0.92" in message
    assert "mvc fetch vctk" in message
    assert not (resources / "vctk" / MARKER).exists()


def test_a_verified_archive_left_by_a_failed_unpack_is_not_downloaded_again(
        served, settings, tmp_path, server):
    resources = tmp_path / "resources"
    archive = resources / ".downloads" / "whisper" / "large-v3.pt"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"not really a checkpoint")
    fetch_source("whisper", source(served, "whisper"), resources, settings)
    assert (resources / "whisper" / "large-v3.pt").read_bytes() == b"not really a checkpoint"
    assert server.requests == [] and not archive.exists()
