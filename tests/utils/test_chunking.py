import pytest
import sklearn

from sklearn_lowdim.utils import chunk_rows, gen_row_chunks


def test_chunks_cover_all_rows_once():
    chunks = list(gen_row_chunks(1000, bytes_per_row=2**14, working_memory=1))
    covered = [i for s in chunks for i in range(s.start, s.stop)]
    assert covered == list(range(1000))
    assert max(s.stop - s.start for s in chunks) == 2**20 // 2**14


def test_chunk_rows_follows_sklearn_working_memory():
    with sklearn.config_context(working_memory=2):
        assert chunk_rows(2**20) == 2
    assert chunk_rows(10**12, working_memory=1) == 1  # one row always fits
    assert chunk_rows(8, working_memory=1, max_rows=7) == 7


def test_chunk_rows_rejects_bad_bytes():
    with pytest.raises(ValueError, match="bytes_per_row"):
        chunk_rows(0)
