"""Flattening is called from the pipeline's worker threads at once (the checks after each article run in a thread):
the shared table of folded characters grows while other threads read it, and every result stays the one-at-a-time
result. The table is never iterated (a thread adding a character would break the iteration of another)."""

from __future__ import annotations

import threading

from extractor.text import phrases


class _NotIterable(dict):
    def __iter__(self):
        raise AssertionError("the shared table was iterated while other threads may add to it")


def test_flatten_from_many_threads_at_once(monkeypatch):
    monkeypatch.setattr(phrases, "_FOLDED", _NotIterable(phrases._FOLDED))
    errors: list[BaseException] = []
    results: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
    start = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            start.wait()
            out = []
            for k in range(60):  # characters no text has shown yet, so the table grows in every thread
                base = 0x4E00 + (n * 60 + k) * 40
                text = "Attack in Mali’s " + "".join(chr(base + i) for i in range(40)) + f" capital {n} {k}"
                out.append((text, phrases.flatten(text)))
            results[n] = out
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 8
    for out in results.values():
        for text, flat in out:
            assert flat == phrases._flatten_slowly(text)
