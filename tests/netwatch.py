"""Watch a process tree for network attempts at the system-call level (strace -f).

The audit hook in test_privacy.py sees only what goes through Python's ``socket``
module. Native libraries call ``connect``/``sendto`` themselves, from their own threads:
onnxruntime 1.29–1.32 on Linux resolved ``mobile.events.data.microsoft.com`` from a
telemetry thread that way, invisible to the hook. strace follows every thread and child.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import sys
from pathlib import Path

import pytest

# glibc's resolver sends A and AAAA queries together with sendmmsg.
TRACED_CALLS = "connect,sendto,sendmsg,sendmmsg"

_FAMILY = re.compile(r"sa_family=(AF_INET6?)\b")
_IPV4 = re.compile(r'inet_addr\("([^"]*)"\)')
_IPV6 = re.compile(r'inet_pton\(AF_INET6, "([^"]*)"')


def strace_or_fail() -> str:
    """The strace binary; on Linux its absence fails the test (``.ci/run`` installs it)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the system-call watch uses strace, which exists on Linux only")
    path = shutil.which("strace")
    if path is None:
        pytest.fail("strace is not installed (apt-get install strace; .ci/run installs it)")
    return path


def traced(command: list[str], log: Path) -> list[str]:
    """``command`` prefixed so that strace follows it and writes its calls to ``log``."""
    return [strace_or_fail(), "-f", "-qq", "-e", f"trace={TRACED_CALLS}", "-o", str(log), *command]


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # unreadable: count it as an attempt rather than guess
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool((mapped or ip).is_loopback)


def network_attempts(log: Path) -> list[str]:
    """Every traced call in ``log`` aimed at an internet address other than loopback."""
    if not log.exists():
        return []
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if not _FAMILY.search(line):
            continue
        addresses = _IPV4.findall(line) + _IPV6.findall(line)
        if not addresses or not all(_is_loopback(a) for a in addresses):
            found.append(line.strip())
    return found
