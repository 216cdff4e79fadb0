"""`workbench serve` passes the viewer's identity settings to Voila and its kernels, and no wider."""

import re

import pytest
from click.testing import CliRunner

from workbench.access import current_identity
from workbench.cli.app import main
from workbench.cli.serving import (
    DEFAULT_POOL_SIZE,
    REFILL_NICE,
    identity_environment,
    pool_settings,
    pool_sizes,
    proxy_header_setting,
    voila_command,
)


def test_a_trusted_proxy_header_is_passed_to_kernels_by_voila():
    command = voila_command(port=9999, trust_proxy_header="X-Workbench-User")
    assert '--VoilaConfiguration.http_header_envs=["X-Workbench-User"]' in command
    assert not any("http_header_envs" in arg for arg in voila_command(port=9999))


@pytest.mark.parametrize("header", ['X-User"]; rm', "X User", ""])
def test_a_header_name_must_be_a_header_name(header):
    with pytest.raises(ValueError, match="not an HTTP header name"):
        proxy_header_setting(header)


def test_the_served_environment_makes_the_kernels_trust_only_the_header(tmp_path):
    identities = tmp_path / "ids.yaml"
    identities.write_text("users:\n  ann: {role: team_lead, team_id: T16}\n")
    env = identity_environment(
        {"WORKBENCH_DEMO_USER": "demo-head-of-pi"},
        trust_proxy_header="X-Workbench-User",
        identity_file=identities,
    )
    # What Voila adds to a kernel's environment for a request carrying the header:
    assert current_identity({**env, "HTTP_X_WORKBENCH_USER": "ann"}).team_id == "T16"
    # No header, no identity: the demo user in the server's environment is not a fallback.
    with pytest.raises(PermissionError):
        current_identity(env)


def test_the_demo_user_switches_the_demo_identity():
    env = identity_environment({}, demo_user="demo-service-lead-cla")
    assert current_identity(env).service == "cla"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trust-proxy-header", "X-Workbench-User"], "needs --identity-file"),
        (["--trust-proxy-header", "X-Workbench-User", "--identity-file", "ids.yaml"], "needs --trusted-proxy"),
        (["--trusted-proxy", "127.0.0.1"], "go with --trust-proxy-header"),
        (["--ip", "192.0.2.10"], "refusing to listen on 192.0.2.10"),
    ],
)
def test_serve_refuses_an_unsafe_identity_set_up(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ids.yaml").write_text("users:\n  ann: {role: team_lead, team_id: T16}\n")
    result = CliRunner().invoke(main, ["serve", "--store", f"sqlite:///{tmp_path / 's.sqlite'}", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_the_proxy_gate_settings_reach_voila(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 32)
    command = voila_command(
        port=9999, trust_proxy_header="X-Workbench-User", allowed_hosts=("workbench.example",),
        trusted_proxies=("127.0.0.2",), proxy_secret_file=secret,
    )  # fmt: skip
    assert "--WorkbenchKernelManager.trusted_proxies=127.0.0.2" in command
    assert f"--WorkbenchKernelManager.proxy_secret_file={secret}" in command
    assert "--WorkbenchKernelManager.allowed_hosts=workbench.example" in command
    assert any("'workbench.example'" in arg for arg in command if arg.startswith("--Voila.tornado_settings"))
    with pytest.raises(ValueError, match="not a host name"):
        voila_command(allowed_hosts=("evil'] ; x",))


def test_a_non_demo_store_without_an_identity_file_is_not_served(handworked_dir, tmp_path, monkeypatch):
    """Fail closed (finding 3): only the demo loader's mark lets the demo identities in."""
    from workbench.store.engine import Store

    monkeypatch.delenv("WORKBENCH_IDENTITY_FILE", raising=False)
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    result = CliRunner().invoke(main, ["load", str(handworked_dir), "--store", url])
    assert result.exit_code == 0, result.output
    assert not Store(url).is_demo()
    result = CliRunner().invoke(main, ["serve", "--store", url, "--port", "1"])
    assert result.exit_code == 1
    assert "this store is not the demo" in result.output
    assert "--identity-file" in result.output
    # The demo loader's mark is what lets a store be served with the demo identities.
    demo_url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    result = CliRunner().invoke(main, ["load", str(handworked_dir), "--store", demo_url, "--demo"])
    assert result.exit_code == 0, result.output
    assert Store(demo_url).is_demo()


def test_each_page_gets_the_pool_it_is_given_and_the_rest_the_default():
    import json

    sizes = pool_sizes(["2", "team-lead.ipynb=20"], max_kernels_per_page=20)
    assert sizes == {"default": 2, "team-lead.ipynb": 20}
    assert pool_sizes([]) == {"default": DEFAULT_POOL_SIZE}
    command = voila_command(port=9999, preheat=True, pools=sizes, max_kernels_per_page=20)
    (config,) = [arg for arg in command if arg.startswith("--VoilaKernelManager.kernel_pools_config=")]
    assert json.loads(config.partition("=")[2]) == {
        "default": {"pool_size": 2},
        "team-lead.ipynb": {"pool_size": 20},
    }
    assert f"--WorkbenchKernelManager.refill_nice={REFILL_NICE}" in command
    assert "--preheat_kernel=True" in command
    assert not any("kernel_pools_config" in arg for arg in voila_command(port=9999, pools=sizes))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "'lots': expected a number of kernels from 0 to 100, for every page (such as 2) or "
                 "for one page (such as team-lead.ipynb=20)"),
        ("-1", "expected a number of kernels from 0 to 100"),
        ("team-lead.ipynb=101", "expected a number of kernels from 0 to 100"),
        ("team-lead.ipynb=", "expected a number of kernels"),
        ("=3", "a page name must come before '='"),
        ("team-leads.ipynb=3", "there is no dashboard 'team-leads.ipynb'; the pages are appraisal.ipynb,"),
        ("team-lead.ipynb=11", "--pool-size 11 for team-lead.ipynb is more than --max-kernels-per-page 10"),
    ],
)
def test_a_bad_pool_size_is_refused_saying_what_was_expected(value, message, tmp_path):
    with pytest.raises(ValueError, match=re.escape(message)):
        pool_sizes([value])
    result = CliRunner().invoke(
        main, ["serve", "--store", f"sqlite:///{tmp_path / 's.sqlite'}", "--pool-size", value]
    )
    assert result.exit_code == 1 and message in result.output, result.output


def test_pool_sizes_need_preheating_and_a_refill_niceness_within_range(tmp_path):
    store = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = CliRunner().invoke(main, ["serve", "--store", store, "--no-preheat", "--pool-size", "3"])
    assert result.exit_code == 1 and "cannot go with --no-preheat" in result.output
    result = CliRunner().invoke(main, ["serve", "--store", store, "--refill-nice", "20"])
    assert result.exit_code == 2 and "20 is not in the range 0<=x<=19" in result.output
    with pytest.raises(ValueError, match="from 0 to 19"):
        pool_settings({"default": 1}, refill_nice=-1)
