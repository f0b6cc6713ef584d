"""The sample generator is seeded and ends when it is told to."""

from datetime import UTC, datetime

from {{ cookiecutter.package_name }}.sample import make_sample

END = datetime(2030, 1, 1, tzinfo=UTC)


def test_same_seed_same_frame() -> None:
    first = make_sample(rows=200, seed=3, end=END)
    second = make_sample(rows=200, seed=3, end=END)

    assert first.equals(second)


def test_other_seed_other_frame() -> None:
    assert not make_sample(rows=200, seed=3, end=END).equals(
        make_sample(rows=200, seed=4, end=END)
    )


def test_newest_event_is_the_end_and_both_classes_occur() -> None:
    frame = make_sample(rows=500, seed=3, end=END)

    assert frame["event_time"].max() <= END
    assert (END - frame["event_time"].max()).days < 1
    assert set(frame["churned"]) == {0, 1}
    assert frame["customer_id"].is_unique
