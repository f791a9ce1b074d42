#!/usr/bin/env python3
"""Deploy a release of Suiftly: build, migrate, rolling reload of every API host, manager restart.

    deploy.py [--config /etc/suiftly/hosts.toml] [--source DIR] [--release ID] [--dry-run]
              [--skip-build] [--allow-breaking-migrations]

Steps, in order; the first failure stops the deploy with a non-zero exit:
  1. preflight   the release id (the source's git commit; a dirty tree needs --release), the
                 build (`npm run build` unless --skip-build), pending migrations checked for
                 changes old code cannot live with (DROP TABLE/COLUMN, RENAME, column type
                 changes) — refused unless --allow-breaking-migrations
  2. migrate     pending migrations, once, before any host runs the new code
  3. api hosts   one at a time: copy the release to <root>/releases/<id> (rsync, hard links
                 against the previous release), start it once on the side until its /health
                 answers (scripts/smoke-start.mjs; a release that cannot start stops the deploy
                 here, the host untouched), point <root>/current at it, `pm2 startOrReload`
                 (zero downtime: see ecosystem.config.cjs), then wait until /health answers 200
                 with this release. An unhealthy host is switched back to its previous release,
                 reported by name, and the deploy stops: hosts after it keep the old version.
  4. manager     the release is copied to the db hosts and the manager restarted there
  5. prune       releases beyond the newest 5 are removed (never the current or previous one)

A host already running this release and healthy is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib.config import Config, ConfigError, Host, load_config  # noqa: E402
from lib.health import fetch_health  # noqa: E402
from lib.runner import CommandFailed, Runner, fail, say  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASES_KEPT = 5
RELEASE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Statements that break the code still running during a rolling deploy.
BREAKING = re.compile(
    r"\b(DROP\s+TABLE|DROP\s+COLUMN|RENAME\s+(COLUMN|TO|CONSTRAINT)|ALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE)\b",
    re.IGNORECASE,
)
EXCLUDES = [".git", "data", "test-results", "playwright-report", ".react-router", "coverage"]


class DeployError(Exception):
    pass


def git(source: str, *args: str) -> str:
    return subprocess.run(["git", "-C", source, *args], capture_output=True, text=True, check=True).stdout.strip()


def release_argument(value: str) -> str:
    if not RELEASE_ID.match(value):
        raise argparse.ArgumentTypeError(f"{value!r}: letters, digits, dot, dash or underscore only (at most 64)")
    return value


def release_id(source: str, requested: str | None) -> str:
    if requested:
        if not RELEASE_ID.match(requested):
            raise DeployError(f"--release {requested!r}: letters, digits, dot, dash or underscore only")
        return requested
    try:
        commit = git(source, "rev-parse", "--short=12", "HEAD")
        dirty = git(source, "status", "--porcelain", "--untracked-files=no")
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        raise DeployError(f"{source} is not a git checkout; pass --release") from error
    if dirty:
        raise DeployError(f"{source} has uncommitted changes: commit them or pass --release")
    return commit


def node(source: str) -> str:
    return os.path.join(source, "node_modules", ".bin", "node")


def pending_migrations(source: str, database_url: str) -> tuple[list[tuple[str, str]], bool]:
    """(tag, sql) of the migrations the database has not applied yet; and whether it has none
    at all (a first install, where no running code can be broken)."""
    with open(os.path.join(source, "db", "migrations", "meta", "_journal.json")) as handle:
        journal = json.load(handle)["entries"]
    applied_until = 0
    result = subprocess.run(
        ["psql", database_url, "-XAtc", "select coalesce(max(created_at), 0) from drizzle.__drizzle_migrations"],
        capture_output=True,
        text=True,
    )
    if result.returncode == 0 and result.stdout.strip():
        applied_until = int(result.stdout.strip())
    elif "does not exist" not in result.stderr:
        raise DeployError(f"cannot read the database's migrations: {result.stderr.strip()}")
    pending = []
    for entry in journal:
        if entry["when"] > applied_until:
            with open(os.path.join(source, "db", "migrations", f"{entry['tag']}.sql")) as handle:
                pending.append((entry["tag"], handle.read()))
    return pending, applied_until == 0


def preflight(args, config: Config, source: str, release: str) -> list[tuple[str, str]]:
    for required in ("server.js", "ecosystem.config.cjs", os.path.join("node_modules", ".bin", "node")):
        if not os.path.exists(os.path.join(source, required)):
            raise DeployError(f"{source} is not a built Suiftly checkout (missing {required}); run npm ci first")
    if not args.skip_build:
        say(f"$ npm run build   (in {source})")
        if not args.dry_run:
            build = subprocess.run(["npm", "run", "build"], cwd=source, capture_output=True, text=True)
            if build.returncode != 0:
                raise DeployError(f"build failed:\n{(build.stdout + build.stderr)[-3000:]}")
    elif not os.path.exists(os.path.join(source, "build", "server", "index.js")):
        raise DeployError(f"{source}/build is missing: drop --skip-build")
    pending, first_install = pending_migrations(source, config.database_url)
    breaking = [(tag, match.group(0)) for tag, text in pending for match in [BREAKING.search(text)] if match]
    if breaking and not first_install and not args.allow_breaking_migrations:
        listed = ", ".join(f"{tag} ({statement})" for tag, statement in breaking)
        raise DeployError(
            f"pending migrations would break the running version during the rollout: {listed}. "
            "Ship them in two steps (expand, then contract) or pass --allow-breaking-migrations."
        )
    say(f"release {release}: {len(pending)} pending migration(s){' ' + ', '.join(t for t, _ in pending) if pending else ''}")
    return pending


def migrate(args, config: Config, source: str, pending) -> None:
    if not pending:
        say("migrations: up to date")
        return
    say(f"$ node db/cli.ts migrate   (DATABASE_URL from {config.path})")
    if args.dry_run:
        return
    result = subprocess.run(
        [node(source), "db/cli.ts", "migrate"],
        cwd=source,
        env={**os.environ, "DATABASE_URL": config.database_url},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise DeployError(f"migrations failed:\n{(result.stdout + result.stderr)[-3000:]}")


def as_app_user(config: Config, command: str) -> str:
    current = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    if config.app.user in ("", current):
        return command
    return f"runuser -u {shlex.quote(config.app.user)} -- bash -c {shlex.quote(command)}"


def current_release(runner: Runner, root: str) -> str | None:
    result = runner.check(f"readlink {shlex.quote(root + '/current')}")
    return os.path.basename(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None


def ship(runner: Runner, config: Config, host: Host, source: str, release: str) -> None:
    root = config.root_of(host)
    target = f"{root}/releases/{release}"
    runner.run(f"mkdir -p {shlex.quote(root + '/releases')}")
    excludes = " ".join(f"--exclude={shlex.quote(item)}" for item in EXCLUDES)
    link = f"--link-dest={shlex.quote(source)}" if host.is_local else f"--link-dest={shlex.quote(root + '/current/')}"
    destination = target if host.is_local else f"{host.ssh_user}@{host.address}:{target}"
    shell = "" if host.is_local else f"-e 'ssh -p {host.ssh_port} -o BatchMode=yes'"
    command = f"rsync -a --delete {shell} {excludes} {link} {shlex.quote(source.rstrip('/') + '/')} {shlex.quote(destination)}"
    say(f"[{host.name}] {'would run' if runner.dry_run else '$'} {command}")
    if not runner.dry_run:
        started = time.monotonic()
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
        say(f"[{host.name}]   took {time.monotonic() - started:.1f} s")
        if result.returncode != 0:
            raise CommandFailed(host.name, command, result.returncode, result.stdout + result.stderr)
    if runner.dry_run:
        return
    # Newest first when pruning: rsync keeps the source's timestamps, so stamp the release.
    runner.run(f"touch {shlex.quote(target)}")
    current_user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    if config.app.user and config.app.user != current_user and not host.is_local:
        runner.run(f"chown -R {shlex.quote(config.app.user)}: {shlex.quote(target)}")


def switch(runner: Runner, config: Config, host: Host, release: str) -> None:
    root = config.root_of(host)
    runner.run(
        f"ln -sfn releases/{shlex.quote(release)} {shlex.quote(root + '/current.next')} && "
        f"mv -Tf {shlex.quote(root + '/current.next')} {shlex.quote(root + '/current')}"
    )


def ensure_runtime(runner: Runner, config: Config, host: Host) -> str:
    """A Node binary outside the releases for PM2's daemon: its workers are forked from the
    daemon's executable, which must outlive the release it came from (old releases are pruned)."""
    root = config.root_of(host)
    stable = f"{root}/runtime/node"
    bundled = f"{root}/current/node_modules/.bin/node"
    same = runner.ok(f"cmp -s $(readlink -f {shlex.quote(bundled)}) {shlex.quote(stable)}")
    if not same:
        runner.run(
            f"mkdir -p {shlex.quote(root + '/runtime')} && "
            f"install -m 755 $(readlink -f {shlex.quote(bundled)}) {shlex.quote(stable + '.new')} && "
            f"mv -f {shlex.quote(stable + '.new')} {shlex.quote(stable)}"
        )
    return stable


def pm2(runner: Runner, config: Config, host: Host, release: str, action: str) -> None:
    """Run PM2 on `host` for the app in <root>/current. `reload` rolls the workers one at a time
    (zero downtime); `restart` deletes the app and starts it afresh, which a rollback needs: a
    worker of the failed release may be waiting in PM2's crash back-off and would otherwise come
    back later with that release's settings."""
    current = f"{config.root_of(host)}/current"
    node_binary = ensure_runtime(runner, config, host)
    env = {
        "PM2_HOME": config.pm2_home_of(host),
        "SUIFTLY_APP_DIR": current,
        "SUIFTLY_ENV_FILE": config.env_file_of(host),
        "SUIFTLY_INSTANCES": str(config.app.instances),
        "SUIFTLY_RELEASE": release,
        "PORT": str(config.port_of(host)),
        # For the PM2 daemon that this command may start: workers accept connections from one
        # shared listening socket themselves, instead of the daemon accepting them and handing
        # each to a worker. A handoff to a worker that is being replaced can be lost during a
        # reload, leaving that client's connection open and unanswered (seen in the rolling-reload
        # test); a connection in a shared socket's queue is taken by whichever worker is alive.
        "NODE_CLUSTER_SCHED_POLICY": "none",
    }
    prefix = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    pm2_command = f"{prefix} {shlex.quote(node_binary)} {shlex.quote(current + '/node_modules/pm2/bin/pm2')}"
    ecosystem = shlex.quote(current + "/ecosystem.config.cjs")
    steps = [f"mkdir -p {shlex.quote(env['PM2_HOME'])}", f"cd {shlex.quote(current)}"]
    if action == "restart":
        steps.append(f"{{ {pm2_command} delete suiftly >/dev/null 2>&1 || true; }}")
    steps += [f"{pm2_command} startOrReload {ecosystem} --update-env", f"{pm2_command} save"]
    runner.run(as_app_user(config, " && ".join(steps)), timeout=600)


def smoke_start(runner: Runner, config: Config, host: Host, release: str) -> None:
    """Start the shipped release once on the side (scripts/smoke-start.mjs: its own loopback port,
    the host's settings, until /health reports it) before it replaces the running one: a release
    that cannot start stops the deploy here, with this host still serving the old release."""
    target = f"{config.root_of(host)}/releases/{release}"
    command = (
        f"cd {shlex.quote(target)} && {shlex.quote(target + '/node_modules/.bin/node')} scripts/smoke-start.mjs "
        f"--release-dir {shlex.quote(target)} --settings {shlex.quote(config.env_file_of(host))} "
        f"--release {shlex.quote(release)} --timeout-ms {int(config.app.health_timeout_seconds * 1000)}"
    )
    try:
        runner.run(as_app_user(config, command), timeout=config.app.health_timeout_seconds + 30)
    except CommandFailed as error:
        raise DeployError(
            f"{host.name}: release {release} failed to start, so it was not switched in "
            f"({host.name} still serves {current_release(runner, config.root_of(host))}): {error.output.strip()[-1500:]}"
        ) from error


def health_url(config: Config, host: Host) -> str:
    return f"http://{host.address}:{config.port_of(host)}{config.app.health_path}"


def serving(config: Config, host: Host, release: str) -> bool:
    status, body = fetch_health(health_url(config, host))
    return status == 200 and bool(body) and body.get("release") == release


def wait_release(config: Config, host: Host, release: str) -> tuple[bool, str]:
    """Until /health answers 200 from this release several times in a row — enough answers to
    reach every worker — (workers of the previous one may still be draining for a moment)."""
    deadline = time.monotonic() + config.app.health_timeout_seconds
    needed = 2 * max(1, config.app.instances) + 2
    streak = 0
    last = "no answer"
    while True:
        status, body = fetch_health(health_url(config, host))
        if status == 200 and body and body.get("release") == release:
            streak += 1
            if streak >= needed:
                return True, "200"
            time.sleep(0.05)
            continue
        streak = 0
        if status == 200:
            last = f"healthy, but serving release {body.get('release') if body else None!r} instead of {release!r}"
        else:
            last = f"HTTP {status}" if status else "no answer"
        if time.monotonic() >= deadline:
            return False, last
        time.sleep(0.5)


def deploy_api_host(args, config: Config, host: Host, source: str, release: str) -> str:
    runner = Runner(host, dry_run=args.dry_run)
    root = config.root_of(host)
    previous = current_release(runner, root)
    if previous == release and serving(config, host, release):
        say(f"[{host.name}] already serving {release}: unchanged")
        return "unchanged"
    ship(runner, config, host, source, release)
    smoke_start(runner, config, host, release)
    switch(runner, config, host, release)
    pm2(runner, config, host, release, "reload")
    if args.dry_run:
        say(f"[{host.name}] would wait for {health_url(config, host)} to report release {release}")
        return "planned"
    started = time.monotonic()
    healthy, detail = wait_release(config, host, release)
    if healthy:
        say(f"[{host.name}] healthy on {release} (checked in {time.monotonic() - started:.1f} s)")
        return "deployed"
    message = f"{host.name} is unhealthy after deploying {release}: {detail}"
    if previous and previous != release:
        say(f"[{host.name}] unhealthy ({detail}); switching back to {previous}")
        try:
            switch(runner, config, host, previous)
            pm2(runner, config, host, previous, "restart")
            back, back_detail = wait_release(config, host, previous)
            message += f"; rolled back to {previous} ({'healthy' if back else 'still unhealthy: ' + back_detail})"
        except CommandFailed as error:
            message += f"; rollback failed: {error}"
    raise DeployError(message)


def deploy_manager_host(args, config: Config, host: Host, source: str, release: str) -> str:
    runner = Runner(host, dry_run=args.dry_run)
    root = config.root_of(host)
    marker = f"{root}/manager-release"
    restarted_with = runner.check(f"cat {shlex.quote(marker)} 2>/dev/null").stdout.strip()
    if restarted_with == release and current_release(runner, root) == release:
        say(f"[{host.name}] manager already on {release}: unchanged")
        return "unchanged"
    if current_release(runner, root) != release:
        ship(runner, config, host, source, release)
        switch(runner, config, host, release)
    runner.run(config.app.manager_restart)
    runner.run(f"echo {shlex.quote(release)} > {shlex.quote(marker)}")
    return "deployed"


def prune(args, config: Config, host: Host) -> None:
    runner = Runner(host, dry_run=args.dry_run, verbose=False)
    root = config.root_of(host)
    listing = runner.check(f"ls -1t {shlex.quote(root + '/releases')} 2>/dev/null")
    releases = [line for line in listing.stdout.split() if line]
    keep = set(releases[:RELEASES_KEPT])
    current = current_release(runner, root)
    if current:
        keep.add(current)
    for old in releases:
        if old not in keep:
            Runner(host, dry_run=args.dry_run).run(f"rm -rf {shlex.quote(root + '/releases/' + old)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Build, migrate and roll out a Suiftly release.", epilog=__doc__.split("\n\n", 2)[2]
    )
    parser.add_argument("--config", default=os.environ.get("SUIFTLY_HOSTS", "/etc/suiftly/hosts.toml"))
    parser.add_argument("--source", default=REPO, help="the checkout to deploy (default: this repository)")
    parser.add_argument("--release", type=release_argument, help="release id (default: the source's git commit)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--skip-build", action="store_true", help="deploy the existing build/")
    parser.add_argument("--allow-breaking-migrations", action="store_true")
    args = parser.parse_args(argv)
    source = os.path.abspath(args.source)
    if not os.path.isdir(source):
        parser.error(f"--source {args.source}: not a directory")
    try:
        config = load_config(args.config)
        release = release_id(source, args.release)
        pending = preflight(args, config, source, release)
        migrate(args, config, source, pending)
        outcomes = {}
        for host in config.hosts_with("api"):
            outcomes[host.name] = deploy_api_host(args, config, host, source, release)
        for host in config.hosts_with("db"):
            outcomes[f"{host.name} (manager)"] = deploy_manager_host(args, config, host, source, release)
        for host in config.hosts:
            prune(args, config, host)
    except ConfigError as error:
        return fail(f"deploy: {error}", 2)
    except (DeployError, CommandFailed) as error:
        return fail(f"deploy: FAILED: {error}")
    changed = [name for name, outcome in outcomes.items() if outcome != "unchanged"]
    if args.dry_run:
        say(f"dry run: release {release} planned for {', '.join(outcomes)}; nothing changed")
    elif changed:
        say(f"release {release} deployed: " + ", ".join(f"{name} {outcome}" for name, outcome in outcomes.items()))
    else:
        say(f"release {release} is already deployed everywhere: nothing to change")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
