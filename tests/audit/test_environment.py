"""The environment record names the versions actually imported."""

import importlib.metadata
import json
import os
import platform

import numpy
import torch

from mvc.audit.environment import environment_record


def test_environment_names_python_torch_packages_and_cpu():
    record = environment_record()
    json.dumps(record)  # what the audit writes must serialize
    assert record["python"]["version"] == platform.python_version()
    assert record["torch"]["version"] == torch.__version__
    assert record["torch"]["cuda_build"] == torch.version.cuda
    assert record["packages"]["numpy"] == numpy.__version__
    assert record["packages"]["torch"] == importlib.metadata.version("torch")
    assert record["cpu"]["logical_cores"] == os.cpu_count() and record["cpu"]["model"]
    assert record["torch"]["gpus"] == ([torch.cuda.get_device_name(i) for i in
                                        range(torch.cuda.device_count())]
                                       if torch.cuda.is_available() else [])
