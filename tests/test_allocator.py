"""The allocator setting the generative engines rely on: blocks up to 32 MB come from the heap, not mmap."""

from __future__ import annotations

import ctypes
import platform

import numpy as np
import pytest

from bot.allocator import MMAP_THRESHOLD, keep_large_blocks

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _mmapped_bytes() -> int:
    """glibc's count of bytes currently held in mmap-ed blocks (mallinfo2's hblkhd)."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _MallInfo2
    return int(libc.mallinfo2().hblkhd)


def test_an_activation_sized_block_comes_from_the_heap_once_set() -> None:
    assert keep_large_blocks() is True
    assert keep_large_blocks() is True  # once per process; asking again changes nothing
    before = _mmapped_bytes()
    activation = np.ones(11 * 1024 * 1024 // 8)  # 700 tokens x 4,096 float32s: one feed-forward activation
    assert _mmapped_bytes() == before
    beyond = np.ones(2 * MMAP_THRESHOLD // 8)  # over glibc's ceiling: still mmap-ed, and still returned
    assert _mmapped_bytes() >= before + 2 * MMAP_THRESHOLD
    del activation, beyond
    assert _mmapped_bytes() == before
