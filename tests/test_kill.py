"""An add killed with SIGKILL at any point leaves the old atlas or the new one, never a mix, and
the next add finishes or removes what it left behind.

A child process checks the add once and then forks one saver per attempt, each on its own copy
of a small atlas: some are killed at every step that touches the disk (before each rename,
sync and removal), others at random moments of the save. Each copy is then loaded with the
atlas's own loader here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import WriteAtlas, collection, entry, feat, layer_meta, square
from nkmap.atlas.catalog import load_atlas
from nkmap.layers.add import add_layer

RANDOM_KILLS = int(os.environ.get("NKMAP_RANDOM_KILLS", "40"))

# Run in a child process: argv = template folder, work folder, candidate file, metadata (JSON),
# replace (0/1), number of random kills. Prints one JSON line per attempt.
CHILD = textwrap.dedent(
    """
    import json, os, random, shutil, signal, sys, time
    from pathlib import Path

    from nkmap.atlas.catalog import load_atlas
    from nkmap.layers.add import check_layer
    from nkmap.layers.store import save

    template, work, candidate = (Path(a) for a in sys.argv[1:4])
    meta, replace, random_kills = json.loads(sys.argv[4]), sys.argv[5] == "1", int(sys.argv[6])
    checked = check_layer(
        load_atlas(template), candidate.read_bytes(), candidate.name, meta, replace=replace
    )
    STEPS = ("replace", "fsync", "unlink")

    def saver(root, kill_at):
        calls = 0

        def step(real):
            def wrapped(*args, **kwargs):
                nonlocal calls
                calls += 1
                if calls == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)
            return wrapped

        for name in STEPS:
            setattr(os, name, step(getattr(os, name)))
        save(root, checked, replace=replace)
        os.write(1, (json.dumps({"steps": calls}) + "\\n").encode())

    def attempt(name, kill_at=0, delay=None):
        root = work / name
        shutil.copytree(template, root)
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                saver(root, kill_at)
            finally:
                os._exit(0)
        if delay is not None:
            time.sleep(delay)
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        took = time.perf_counter() - started
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print(json.dumps({"root": str(root), "killed": killed, "took": took}), flush=True)
        return took, killed

    took, _ = attempt("whole")
    for k in range(1, 100):  # until the save runs to its end
        if not attempt(f"step-{k}", kill_at=k)[1]:
            break
    rng = random.Random(20261130)
    for i in range(random_kills):
        attempt(f"random-{i}", delay=rng.uniform(0, took))
    """
)


def state(root: Path, layer_id: str) -> tuple[Any, ...]:
    """What a reader of the atlas sees: every layer's entry except its file's name, and the
    added layer's features."""
    atlas = load_atlas(root)
    entries = tuple(
        (e.id, e.title, e.valid_from, e.valid_to, e.sources, e.method)
        for e in atlas.entries
        if e.id != "more"  # added after each kill, to see that the next add tidies up
    )
    rows = atlas.features[atlas.features["layer"] == layer_id]
    return entries, tuple(g.wkb for g in rows.geometry), tuple(map(str, rows["properties"]))


@pytest.mark.slow  # forks a saver about 60 times
@pytest.mark.parametrize("replace", [False, True], ids=["new", "replace"])
def test_an_add_killed_at_any_point_leaves_the_old_atlas_or_the_new_one(
    write_atlas: WriteAtlas, tmp_path: Path, replace: bool
) -> None:
    held = collection(feat(square(46.0, 40.0), controller="armenian"))
    layers = [(entry("held"), held)]
    if replace:
        layers.append(
            (
                entry("sites", shows="other", title="Old sites"),
                collection(feat(square(46.5, 39.5, 0.05), name="old")),
            )
        )
    template = write_atlas(layers)
    candidate = tmp_path / "sites.geojson"
    candidate.write_text(json.dumps(collection(feat(square(46.6, 39.7, 0.05), name="new"))))
    meta = layer_meta(id="sites", title="New sites", shows="other")
    old = state(template, "sites")
    done = tmp_path / "done"
    shutil.copytree(template, done)
    add_layer(load_atlas(done), candidate.read_bytes(), candidate.name, meta, replace=replace)
    new = state(done, "sites")
    assert new != old

    work = tmp_path / "work"
    work.mkdir()
    args = [str(template), str(work), str(candidate), json.dumps(meta), str(int(replace))]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-c", CHILD, *args, str(RANDOM_KILLS)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    attempts = [a for a in lines if "root" in a]
    steps = next(a["steps"] for a in lines if "steps" in a)
    assert steps >= 6  # the save's renames, syncs and removals were all counted
    seen = {"old": 0, "new": 0}
    for a in attempts:
        root = Path(a["root"])
        after = state(root, "sites")
        assert after in (old, new), f"{root.name}: a mix of the old atlas and the new one"
        seen["new" if after == new else "old"] += 1
        # The next add finishes or removes what the killed one left, and lands.
        more = tmp_path / "more.geojson"
        more.write_text(json.dumps(collection(feat(square(46.9, 39.9, 0.02)))))
        add_layer(load_atlas(root), more.read_bytes(), more.name, layer_meta(id="more"))
        leftovers = [p.name for p in root.rglob(".*")]
        assert not leftovers, f"{root.name}: {leftovers} left behind"
        assert state(root, "sites") == after
        catalog = json.loads((root / "catalog.json").read_text())
        assert {e["file"] for e in catalog["layers"]} == {
            f"layers/{e['id']}.geojson" for e in catalog["layers"]
        }
    killed_at_step = [a for a in attempts if "step-" in a["root"] and a["killed"]]
    assert len(killed_at_step) == steps  # killed once at every step
    assert seen["old"] and seen["new"], seen  # kills landed before the commit and after it
