"""`workbench serve` passes the viewer's identity settings to Voila and its kernels, and no wider."""

import pytest
from click.testing import CliRunner

from workbench.access import current_identity
from workbench.cli.app import main
from workbench.cli.serving import identity_environment, proxy_header_setting, voila_command


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
