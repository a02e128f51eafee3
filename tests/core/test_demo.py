"""`wenming demo` and `wenming serve` from scratch, as a new user runs them."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from wenming.participation import demo as participation_demo

pytestmark = pytest.mark.slow


def run(data_dir, *args, timeout=300):
    env = {**os.environ, "WENMING_DATA_DIR": str(data_dir)}
    env.pop("WENMING_DATABASE_URL", None)  # the demo is the SQLite default
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "wenming", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def count(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def test_demo_sets_up_hohhot_from_nothing_and_reuses_it(tmp_path):
    data = tmp_path / "fresh"
    first = run(data, "demo", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8000/" in first.stdout
    for login in ["chuangcheng", "zhuanxiang", "xinchengqu", "chengguan", "ducha", "wangge", "zhiyuan", "shimin"]:
        assert login in first.stdout
    db = data / "wenming.sqlite3"
    assert (data / "secret_key").exists()
    assert count(db, "select name from org_area where code='150100'") == "呼和浩特市"
    assert count(db, "select count(*) from org_area where level='district'") == 9
    assert count(db, "select count(*) from org_area where level='street'") == 43
    assert count(db, "select name from org_area where code='150105001'") == "人民路街道"
    grids = count(db, "select count(*) from org_area where level='grid'")
    assert 1000 <= grids <= 10000
    # Only the made-up boundaries are marked as generated.
    assert count(db, "select count(*) from org_area where level in ('city','district') and is_generated") == 0
    assert count(db, "select count(*) from org_area where level='grid' and not is_generated") == 0
    assert count(db, "pragma journal_mode") == "wal"
    # Cases at every stage, each with its history.
    # Two months simulated, and the portal's residents' own reports on top.
    assert count(db, "select count(*) from cases_case") == 3000 + len(participation_demo.REPORTS)
    assert count(db, "select count(*) from participation_support") >= len(participation_demo.REPORTS)
    assert (
        count(
            db,
            "select points from participation_citizen c join auth_user u on u.id = c.user_id where username='shimin'",
        )
        > 0
    )
    assert count(db, "select count(*) from participation_suggestion where status='replied'") == 1
    assert count(db, "select count(*) from participation_vote") > 0
    assert count(db, "select count(*) from participation_response") == 60
    assert count(db, "select count(distinct status) from cases_case") >= 6
    assert (
        count(
            db,
            "select count(*) from cases_case c where not exists "
            "(select 1 from cases_caseevent e where e.case_id = c.id)",
        )
        == 0
    )
    # A generated street network, labelled so, with its coverage computed.
    assert count(db, "select source from coverage_dataset where is_current") == "generated"
    assert count(db, "select count(*) from coverage_feature where kind='residential'") > 1000
    assert count(db, "select is_generated from coverage_run") == 1
    assert "示范" in count(db, "select file_name from coverage_dataset")

    again = run(data, "demo", "--no-serve")
    assert again.returncode == 0, again.stderr
    assert "Reusing" in again.stdout
    assert count(db, "select count(*) from org_area where level='grid'") == grids

    with sqlite3.connect(db) as conn:
        conn.execute("update org_area set name='改过的名字' where code='150102'")
    reset = run(data, "demo", "--no-serve", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert count(db, "select name from org_area where code='150102'") == "新城区"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_pages_and_static_files(tmp_path):
    data = tmp_path / "srv"
    assert run(data, "migrate").returncode == 0
    port = free_port()
    env = {**os.environ, "WENMING_DATA_DIR": str(data)}
    env.pop("WENMING_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "wenming", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                page = urllib.request.urlopen(base + "/accounts/login/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start: " + server.stdout.read1().decode())
        assert "<form" in page and "csrfmiddlewaretoken" in page
        stylesheet = next(part.split('"')[0] for part in page.split('href="') if ".css" in part.split('"')[0])
        assert stylesheet != "/static/wenming/app.css"  # hashed name, so browsers may cache it forever
        response = urllib.request.urlopen(base + stylesheet, timeout=5)
        assert response.status == 200 and "text/css" in response.headers["Content-Type"]
        assert "max-age" in response.headers.get("Cache-Control", "")
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_an_unmigrated_database(tmp_path):
    result = run(tmp_path / "empty", "serve", "--port", str(free_port()))
    assert result.returncode != 0
    assert "wenming migrate" in result.stderr
