"""The pytest plugin users get with genai-grpc[testing]: a user's test file that uses only its
fixtures, run by pytest in a subprocess that loads the plugin through its entry point."""

from __future__ import annotations

import asyncio
from importlib.metadata import entry_points

import pytest

from genai_grpc import Client, errors, types
from genai_grpc.client import AsyncClient
from genai_grpc.server import LocalServer

pytest_plugins = ["pytester"]

USERS_TESTS = """
import asyncio
import os

import pytest

from genai_grpc import Client, errors

seen = {}


def test_start_and_get(genai_client):
    op = genai_client.models.generate_videos(model="veo-2.0-generate-001", prompt="a cat [duration:0.2]")
    seen["name"] = op.name
    done = genai_client.operations.wait(op, timeout=30)
    assert done.done and done.response.generated_videos
    genai_client.operations.get(op.name)  # still there within the test


def test_nothing_leaks_from_the_test_before(genai_server, genai_client):
    assert seen["name"]  # the other test ran first
    with pytest.raises(errors.ClientError) as caught:
        genai_client.operations.get(seen["name"])
    assert caught.value.code == 404
    assert list(genai_client.operations.list()) == []
    assert genai_server.faults.fail_next == 0
    genai_server.faults.fail_next = 5
    genai_server.faults.fail_code = "PERMISSION_DENIED"


def test_fault_switches_reset_between_tests(genai_server, genai_client):
    assert genai_server.faults.fail_next == 0
    genai_client.models.generate_videos(model="veo-2.0-generate-001", prompt="ok")
    genai_server.faults.fail_next = 1
    genai_server.faults.fail_code = "PERMISSION_DENIED"
    with pytest.raises(errors.ClientError):
        genai_client.models.generate_videos(model="veo-2.0-generate-001", prompt="no")


def test_prompt_markers_reach_the_server(genai_client):
    op = genai_client.models.generate_videos(model="veo-2.0-generate-001", prompt="x [fail:safety] [duration:0]")
    op = genai_client.operations.wait(op, timeout=30)
    assert op.error is not None


def test_code_under_test_making_its_own_client(genai_server):
    assert os.environ["GENAI_GRPC_EMULATOR_HOST"] == genai_server.address
    with Client() as mine:
        mine.models.generate_videos(model="veo-2.0-generate-001", prompt="x")


def test_aio(genai_aio_client):
    async def main():
        async with genai_aio_client:
            op = await genai_aio_client.models.generate_videos(model="veo-2.0-generate-001", prompt="x [duration:0]")
            op = await genai_aio_client.operations.wait(op, timeout=30)
            assert op.done

    asyncio.run(main())


def test_aio_left_open(genai_aio_client):
    asyncio.run(genai_aio_client.models.generate_videos(model="veo-2.0-generate-001", prompt="x"))


@pytest.mark.genai_server(api_key="k-123", duration_s=0.1)
def test_server_options(genai_server, genai_client):
    assert genai_server.faults.api_key == "k-123" and genai_server.duration_s == 0.1
    genai_client.models.generate_videos(model="veo-2.0-generate-001", prompt="x")


def test_a_users_failing_test(genai_client):
    with pytest.raises(errors.ClientError):
        genai_client.operations.get("models/veo-2.0-generate-001/operations/none")
    assert False, "the user's own assertion"
"""


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    found = [e for e in entry_points(group="pytest11") if e.name == "genai_grpc"]
    assert [e.value for e in found] == ["genai_grpc.testing"]


def test_a_users_suite_with_only_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users=USERS_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers", "-W", "error", "-v")
    result.assert_outcomes(passed=8, failed=1)
    result.stdout.fnmatch_lines(["*test_a_users_failing_test FAILED*", "*the user's own assertion*"])


def test_a_bad_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.genai_server(duraton_s=1)
def test_typo(genai_server):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option duraton_s*"])


# The project's own tests use the fixtures too (in this process, through the entry point).


def test_fixtures_in_the_projects_own_tests(genai_server: LocalServer, genai_client: Client) -> None:
    genai_server.faults.latency_s = 0.01
    op = genai_client.models.generate_videos(model="veo-2.0-generate-001", prompt="x [duration:0]")
    done = genai_client.operations.wait(op, timeout=30, poll=types.PollPolicy(initial=0.01, long_poll=0))
    assert done.done and done.name == op.name


def test_the_aio_fixture_in_the_projects_own_tests(genai_aio_client: AsyncClient) -> None:
    async def main() -> None:
        async with genai_aio_client:
            with pytest.raises(errors.ClientError):
                await genai_aio_client.operations.get("models/veo-2.0-generate-001/operations/none")

    asyncio.run(main())
