#!/usr/bin/env bash
# The platform matrix: the README's test command (bash scripts/test.sh) run
# in a cached Debian chroot per suite, one summary line per row.
#
#   bash scripts/matrix.sh [--fresh] [--prepare-only] [bullseye|trixie|sid|SUITE-pypy ...]   (as root)
#
# bullseye: libvirt 7.0, Python 3.9; trixie: libvirt 11.3, Python 3.13;
# sid: libvirt 12.x, Python 3.14. Default: all three. SUITE-pypy (e.g.
# trixie-pypy) runs PYTHON=pypy3 bash scripts/test.sh in SUITE's chroot, with
# Debian's pypy3, pypy3-venv and pypy3-dev installed there. Chroots are kept in
# $MATRIX_CACHE/<suite> (default /var/cache/libvirt-cffi-matrix) and reused;
# --fresh rebuilds them. Each run tests a fresh clone of the committed HEAD
# (uncommitted changes are not tested). Logs: $MATRIX_CACHE/<row>.log.
# --prepare-only makes or updates the chroots and tests nothing
# (tools/check_dist.py installs the built artifacts into them).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${MATRIX_CACHE:-/var/cache/libvirt-cffi-matrix}

fresh=0
prepare_only=0
rows_asked=()
for arg in "$@"; do
    case $arg in
        --fresh) fresh=1 ;;
        --prepare-only) prepare_only=1 ;;
        bullseye|trixie|sid|bullseye-pypy|trixie-pypy|sid-pypy) rows_asked+=("$arg") ;;
        *) echo "usage: $0 [--fresh] [--prepare-only] [bullseye|trixie|sid|SUITE-pypy ...]" >&2; exit 2 ;;
    esac
done
[ ${#rows_asked[@]} -gt 0 ] || rows_asked=(trixie sid bullseye)

if [ "$(id -u)" != 0 ]; then
    echo "error: $0 must run as root (debootstrap, chroot, mounts)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
# The host's own mirror (it may be the only one reachable from here).
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# scripts/setup.sh's packages, and what the chroot lacks for test.sh:
# git (the clone), a C compiler for the reference binding, CA certificates.
PACKAGES=(libvirt-dev libvirt-daemon pkg-config gcc libc6-dev python3 python3-venv
          python3-dev git ca-certificates)

mounted=()
umount_all() {
    local m
    for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
    mounted=()
}
trap umount_all EXIT

mount_chroot() {   # mount_chroot DIR: what apt, pip and libvirtd need
    # DIR bound onto itself first: a mount point, so that a mount namespace
    # made inside (the system-mode daemon test) can make its mounts private.
    mounted+=("$1/proc" "$1/dev" "$1/sys" "$1")
    mount --bind "$1" "$1" && mount -t proc proc "$1/proc" &&
        mount --bind /dev "$1/dev" && mount -t sysfs sys "$1/sys"
}

make_chroot() {   # make_chroot SUITE DIR (called under ||, where set -e is off: hence the returns)
    local suite=$1 dir=$2 pkgs=("${PACKAGES[@]}")
    echo "== debootstrap $suite into $dir"
    # A killed run may have left /dev bound in there: never delete through it.
    for m in proc dev sys .; do
        ! mountpoint -q "$dir/$m" || umount -l "$dir/$m" || return
    done
    rm -rf --one-file-system "$dir"
    debootstrap --variant=minbase "$suite" "$dir" "$MIRROR" || return
    mount_chroot "$dir" || return
    # sid's Release file can be past its Valid-Until date.
    chroot "$dir" apt-get -q -o Acquire::Check-Valid-Until=false update || return
    # (libvirt-daemon cannot go into debootstrap --include: its systemd
    # pre-dependency fails there.)
    chroot "$dir" apt-get install -y -q --no-install-recommends "${pkgs[@]}" || return
    install_drivers "$dir" || return
    touch "$dir/.matrix-ready"
    umount_all
}

# The daemon's drivers are packages of their own from trixie on (in
# libvirt-daemon before); the private-daemon tests start each of these.
DRIVERS=(storage network secret qemu)
install_drivers() {   # install_drivers DIR (mounted): also for a cached chroot
    local dir=$1 driver pkgs=()
    for driver in "${DRIVERS[@]}"; do
        pkgs+=("libvirt-daemon-driver-$driver")
    done
    install_missing "$dir" "${pkgs[@]}"
}

# What a PyPy row needs besides the chroot's packages (scripts/setup.sh would
# install it too; here it is installed once, into the cached chroot).
PYPY_PACKAGES=(pypy3 pypy3-venv pypy3-dev)

install_missing() {   # install_missing DIR PKG...: those the suite has and lacks
    local dir=$1 pkg missing=()
    shift
    for pkg in "$@"; do
        if chroot "$dir" apt-cache show "$pkg" >/dev/null 2>&1 &&
                ! chroot "$dir" dpkg -s "$pkg" >/dev/null 2>&1; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        # A cached chroot's package lists may name files the mirror no
        # longer has: refresh them once if the install fails.
        chroot "$dir" apt-get install -y -q --no-install-recommends "${missing[@]}" || {
            chroot "$dir" apt-get -q -o Acquire::Check-Valid-Until=false update &&
            chroot "$dir" apt-get install -y -q --no-install-recommends "${missing[@]}"
        } || return
    fi
    chroot "$dir" apt-get clean
}

# env for the chroot: a clean one, plus the host's proxies and pip settings
# (pip reaches the package index only through them).
chroot_env() {
    local v
    printf "%s\n" HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    for v in $(compgen -e); do
        case $v in
            PIP_*|http_proxy|https_proxy|no_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY)
                printf '%s=%s\n' "$v" "${!v}" ;;
        esac
    done
}

# summarize LOG: "api: <pytest totals> | api libvirt-python: ... | abi: ..."
summarize() {
    awk '
        # By venv: the header names no mode when the build is broken. In
        # each venv section the first totals are ours, the second
        # libvirt-python suite (its header can appear in captured output).
        /^== tests with \.venv(-pypy)? / { mode = "api"; n = 0 }
        /^== tests with \.venv(-pypy)?-abi / { mode = "abi"; n = 0 }
        /^== tests with \.venv(-pypy)?-dlopen / { mode = "dlopen"; n = 0 }
        # pytest -q totals: "3 failed, 842 passed, 5 skipped in 95.1s"
        mode != "" && /^(=+ )?[0-9]+ (passed|failed|skipped|errors?|xfailed|deselected).* in [0-9.]+s/ {
            line = $0; gsub(/=/, "", line); sub(/^ +/, "", line)
            sub(/ in [0-9.]+s.*/, "", line)
            out = out (out == "" ? "" : " | ") mode (n++ ? " libvirt-python" : "") ": " line
        }
        END { print out }
    ' "$1"
}

mkdir -p "$CACHE"
rows=()
failed=0    # rows that could not run or did not pass
for row in "${rows_asked[@]}"; do
    suite=${row%-pypy}     # the chroot; a -pypy row runs the tests with PyPy
    dir=$CACHE/$suite
    log=$CACHE/$row.log
    start=$(date +%s)
    if [ $fresh = 1 ] || [ ! -e "$dir/.matrix-ready" ]; then
        make_chroot "$suite" "$dir" >"$log.make" 2>&1 || {
            umount_all
            rows+=("$row: chroot could not be made (see $log.make)")
            failed=$((failed + 1))
            continue
        }
    fi
    mount_chroot "$dir"
    install_drivers "$dir" >>"$log.make" 2>&1 || {
        rows+=("$row: drivers not installed (see $log.make)")
        failed=$((failed + 1))
    }
    test_env=()
    if [ "$row" != "$suite" ]; then
        install_missing "$dir" "${PYPY_PACKAGES[@]}" >>"$log.make" 2>&1 || {
            umount_all
            rows+=("$row: pypy3 not installed (see $log.make)")
            failed=$((failed + 1))
            continue
        }
        test_env=(PYTHON=pypy3)
    fi
    # The modes test.sh builds and tests (its default: all three).
    [ -z "${TEST_MODES:-}" ] || test_env+=("TEST_MODES=$TEST_MODES")
    # pip verifies the index with the host's CA bundle and settings.
    cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
    [ ! -e /etc/pip.conf ] || cp /etc/pip.conf "$dir/etc/"
    if [ $prepare_only = 1 ]; then
        umount_all
        rows+=("$row: chroot ready in $dir")
        continue
    fi
    # The committed HEAD, not the working tree: what CI would test.
    rm -rf "$dir/src"
    git clone -q "$REPO" "$dir/src"
    git -C "$dir/src" checkout -q --detach "$(git -C "$REPO" rev-parse HEAD)"
    libvirt=$(chroot "$dir" pkg-config --modversion libvirt)
    python=$(chroot "$dir" python3 -c 'import platform; print(platform.python_version())')
    if [ "$row" != "$suite" ]; then
        python=$(chroot "$dir" pypy3 -c 'import platform, sys
print("PyPy %d.%d.%d (Python %s)" % (sys.pypy_version_info[:3] + (platform.python_version(),)))')
    fi
    mapfile -t envv < <(chroot_env)
    echo "== $row: libvirt $libvirt, Python $python, HEAD $(git -C "$REPO" rev-parse --short HEAD)" | tee "$log"
    # The tests start a private libvirtd as "nobody": check it comes up.
    # (It prints its URI, then serves until timeout's SIGTERM.)
    uri=$(chroot "$dir" env -i "${envv[@]}" timeout 15 \
        python3 /src/tools/private_libvirtd.py 2>>"$log" || true)
    if [ -n "$uri" ]; then
        echo "== private libvirtd as nobody: ok (${uri%%$'\n'*})" >>"$log"
    else
        echo "== private libvirtd as nobody: FAILED" >>"$log"
    fi
    rc=0
    chroot "$dir" env -i "${envv[@]}" ${test_env[@]+"${test_env[@]}"} \
        bash -c 'cd /src && bash scripts/test.sh' >>"$log" 2>&1 || rc=$?
    umount_all
    totals=$(summarize "$log")
    [ -n "$totals" ] || totals="no pytest totals: $(grep -v '^\s*$' "$log" | tail -n1)"
    grep -q 'private libvirtd as nobody: ok' "$log" || totals="$totals | private libvirtd FAILED"
    [ $rc = 0 ] || failed=$((failed + 1))
    rows+=("$row: libvirt $libvirt, Python $python, exit $rc, $(( $(date +%s) - start ))s: $totals")
    echo "${rows[-1]}"
done

echo
echo "== matrix (logs: $CACHE/<row>.log)"
printf '%s\n' "${rows[@]}"
[ $failed = 0 ]
