"""Any host uid/gid builds on every base. compose.override.yaml and the dev container build the final and
the dev stage with your ids (APP_UID/APP_GID), and the base image may already have them: macOS's first
user is 501 in group 20 (dialout on Debian and Alpine), openSUSE's group is 100 (users), 1000 is Ubuntu's
own user, 65534 is nobody. Built for real on the bases that build here (debian-slim, ubuntu); Alpine's
branch (which cannot build here) is run as shell against Alpine's own /etc/passwd and /etc/group."""

import subprocess

import pytest

from tooling.bake import bake_with
from tooling.docker import HOST_IDS, dockerfile_instructions

IDS = [(501, 20), (1000, 1000), (999, 100), (65534, 65534)]
IDS = [pytest.param(uid, gid, id=f"{uid}-{gid}") for uid, gid in HOST_IDS]


# Alpine 3.22's /etc/passwd and /etc/group (alpine-baselayout-data), which python:X.Y-alpine keeps.
ALPINE_PASSWD = """\
root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
"""
ALPINE_GROUP = """\
root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin
adm:x:4:root,daemon
tty:x:5:
disk:x:6:root
lp:x:7:lp
kmem:x:9:
wheel:x:10:root
floppy:x:11:root
mail:x:12:mail
news:x:13:news
uucp:x:14:uucp
cron:x:16:cron
console:x:17:
audio:x:18:
cdrom:x:19:
dialout:x:20:root
ftp:x:21:
sshd:x:22:
input:x:23:
tape:x:26:root
video:x:27:root
netdev:x:28:
kvm:x:34:kvm
games:x:35:
shadow:x:42:
www-data:x:82:
users:x:100:games
ntp:x:123:
abuild:x:300:
utmp:x:406:
ping:x:999:
nogroup:x:65533:
nobody:x:65534:
"""


def user_setup(dockerfile, stage):
    """The RUN instruction of a stage that writes /etc/passwd (continuation lines joined)."""
    lines, _ = dockerfile_instructions(dockerfile)
    start = next(i for i, line in enumerate(lines) if line.startswith("FROM ") and line.endswith(f" AS {stage}"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("FROM ")), len(lines))
    [run] = [line for line in lines[start:end] if line.startswith("RUN ") and "/etc/passwd" in line]
    return run.removeprefix("RUN ")


@pytest.mark.parametrize(("uid", "gid"), [*IDS, pytest.param(10001, 10001, id="image-default")])
@pytest.mark.parametrize(("stage", "user", "home"), [("dev", "dev", "/home/dev"), ("final", "app", "/nonexistent")])
def test_alpine_user_setup_takes_any_ids(cookies_session, tmp_path, stage, user, home, uid, gid):
    """Alpine's branch runs as shell in a copy of Alpine's files: it must not depend on addgroup/adduser,
    which refuse a taken id (`addgroup -g 20` fails: dialout), and its entries must resolve to your ids."""
    project = bake_with(cookies_session, {"base_image": "alpine"})
    command = user_setup(project / "Dockerfile", stage)
    assert "addgroup" not in command and "adduser" not in command, command
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text(ALPINE_PASSWD)
    (root / "etc/group").write_text(ALPINE_GROUP)
    (root / "home").mkdir()
    bin_dir = tmp_path / "bin"  # chown needs root: record what it would do
    bin_dir.mkdir()
    (bin_dir / "chown").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/chown.log\n')
    (bin_dir / "chown").chmod(0o755)
    for path in ("/etc/", "/home/", "/data", "/reports"):
        command = command.replace(f" {path}", f" {root}{path}")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "APP_UID": str(uid), "APP_GID": str(gid)}
    subprocess.run(["sh", "-c", command], env=env, check=True)  # the ARGs are in the environment, as in a build

    passwd = [line.split(":") for line in (root / "etc/passwd").read_text().splitlines()]
    group = [line.split(":") for line in (root / "etc/group").read_text().splitlines()]
    assert all(len(entry) == 7 for entry in passwd) and all(len(entry) == 4 for entry in group)
    assert passwd[: len(ALPINE_PASSWD.splitlines())] == [line.split(":") for line in ALPINE_PASSWD.splitlines()]
    [entry] = [entry for entry in passwd if entry[0] == user]
    assert (entry[2], entry[3], entry[5]) == (str(uid), str(gid), home)
    assert [g[2] for g in group if g[0] == user] == [str(gid)]
    owned = [f"{root}{home}"] if stage == "dev" else [f"{root}/reports", f"{root}/data"]  # the default answers
    assert (tmp_path / "chown.log").read_text().splitlines() == [f"{uid}:{gid} {path}" for path in owned]
