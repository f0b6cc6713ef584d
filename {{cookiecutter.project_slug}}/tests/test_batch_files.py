"""Files read and written in batches: text kept as it was, no half-written output."""

from pathlib import Path

import pyarrow as pa
import pytest

from {{ cookiecutter.package_name }}.batch_files import (
    BatchReader,
    BatchWriter,
)
from {{ cookiecutter.package_name }}.errors import DataError


def test_csv_is_read_as_text_in_batches(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    note = "a, b" + " padding" * 20  # 180-byte rows: 1000 of them fill two blocks
    lines = [f'C{i:03d},0{i}.50,"{note}",' for i in range(1000)]
    source.write_text("id,charges,note,empty\n" + "\n".join(lines) + "\n")

    with BatchReader(source, rows=50) as reader:
        batches = list(reader)

    assert len(batches) > 1
    table = pa.Table.from_batches(batches)
    assert table.column("charges").to_pylist()[:2] == ["00.50", "01.50"]
    assert table.column("note").to_pylist()[0] == note
    assert table.column("empty").null_count == 1000


def test_a_failed_write_keeps_the_old_output_and_leaves_nothing_else(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out" / "out.csv"
    target.parent.mkdir()
    target.write_text("an earlier run's output\n")
    batch = pa.record_batch({"x": [1, 2]})

    def write_then_fail() -> None:
        with BatchWriter(target, batch.schema) as writer:
            writer.write(batch)
            raise RuntimeError("stopped half way")

    with pytest.raises(RuntimeError, match="stopped"):
        write_then_fail()

    assert target.read_text() == "an earlier run's output\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]

    with BatchWriter(target, batch.schema) as writer:
        writer.write(batch)
        writer.write(batch)
    assert target.read_text().splitlines() == ['"x"', "1", "2", "1", "2"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.xlsx"])
def test_other_file_types_are_refused_naming_the_ones_read(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / name).write_text("{}\n")

    with pytest.raises(DataError, match=r"\.csv, \.parquet"):
        BatchReader(tmp_path / name, rows=10)
