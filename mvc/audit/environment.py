"""The software and hardware a run used: Python, every installed package, torch with its
CUDA and cuDNN builds, the CPU, any GPU and the OS."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from pathlib import Path
from typing import Any

CPUINFO = Path("/proc/cpuinfo")
OS_RELEASE = Path("/etc/os-release")


def installed_packages() -> dict[str, str]:
    """Every distribution importlib.metadata sees, name (lower case) -> version, sorted."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[name.lower()] = dist.version
    return dict(sorted(found.items()))


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` reports."""
    if CPUINFO.is_file():
        for line in CPUINFO.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    return platform.processor() or platform.machine()


def os_name() -> str:
    """The distribution's PRETTY_NAME (Linux), else `platform.platform()`."""
    if OS_RELEASE.is_file():
        for line in OS_RELEASE.read_text(errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key == "PRETTY_NAME":
                return value.strip().strip('"')
    return platform.platform()


def torch_record() -> dict[str, Any]:
    """torch's version, the CUDA and cuDNN it was built with, and the GPUs it sees."""
    import torch

    cuda = torch.cuda.is_available()
    return {
        "version": torch.__version__,
        "cuda_build": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "cuda_available": cuda,
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        if cuda else [],
        "threads": torch.get_num_threads(),
    }


def environment_record() -> dict[str, Any]:
    """Everything above as one JSON-serializable record."""
    return {
        "python": {"version": platform.python_version(), "implementation":
                   platform.python_implementation(), "executable": sys.executable},
        "os": {"name": os_name(), "platform": platform.platform(), "kernel": platform.release()},
        "cpu": {"model": cpu_model(), "logical_cores": os.cpu_count(),
                "usable_cores": len(os.sched_getaffinity(0))
                if hasattr(os, "sched_getaffinity") else os.cpu_count()},
        "torch": torch_record(),
        "packages": installed_packages(),
    }
