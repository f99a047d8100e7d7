"""Module-level VIR_* constants.

Values below are copied from libvirt's public headers, not from a binding.
"""
import sys
import xml.etree.ElementTree as ET

import pytest

import libvirt
from conftest import ROOT


KNOWN = {
    # virDomainState
    "VIR_DOMAIN_NOSTATE": 0,
    "VIR_DOMAIN_RUNNING": 1,
    "VIR_DOMAIN_BLOCKED": 2,
    "VIR_DOMAIN_PAUSED": 3,
    "VIR_DOMAIN_SHUTDOWN": 4,
    "VIR_DOMAIN_SHUTOFF": 5,
    "VIR_DOMAIN_CRASHED": 6,
    "VIR_DOMAIN_PMSUSPENDED": 7,
    # state reasons used by the tests
    "VIR_DOMAIN_RUNNING_UNKNOWN": 0,
    "VIR_DOMAIN_RUNNING_BOOTED": 1,
    "VIR_DOMAIN_RUNNING_UNPAUSED": 5,
    "VIR_DOMAIN_PAUSED_USER": 1,
    "VIR_DOMAIN_SHUTOFF_DESTROYED": 2,
    # misc domain flags
    "VIR_DOMAIN_NONE": 0,
    "VIR_DOMAIN_AFFECT_CURRENT": 0,
    "VIR_DOMAIN_AFFECT_LIVE": 1,
    "VIR_DOMAIN_AFFECT_CONFIG": 2,
    "VIR_DOMAIN_XML_SECURE": 1,
    "VIR_DOMAIN_XML_INACTIVE": 2,
    "VIR_DOMAIN_XML_UPDATE_CPU": 4,
    "VIR_DOMAIN_XML_MIGRATABLE": 8,
    "VIR_DOMAIN_START_PAUSED": 1,
    "VIR_DOMAIN_UNDEFINE_MANAGED_SAVE": 1,
    "VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA": 2,
    "VIR_DOMAIN_UNDEFINE_NVRAM": 4,
    # virConnectListAllDomainsFlags
    "VIR_CONNECT_LIST_DOMAINS_ACTIVE": 1,
    "VIR_CONNECT_LIST_DOMAINS_INACTIVE": 2,
    "VIR_CONNECT_LIST_DOMAINS_PERSISTENT": 4,
    "VIR_CONNECT_LIST_DOMAINS_TRANSIENT": 8,
    "VIR_CONNECT_LIST_DOMAINS_RUNNING": 16,
    "VIR_CONNECT_LIST_DOMAINS_PAUSED": 32,
    "VIR_CONNECT_LIST_DOMAINS_SHUTOFF": 64,
    "VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT": 1 << 15,
    # networks
    "VIR_CONNECT_LIST_NETWORKS_INACTIVE": 1,
    "VIR_CONNECT_LIST_NETWORKS_ACTIVE": 2,
    "VIR_CONNECT_LIST_NETWORKS_PERSISTENT": 4,
    "VIR_CONNECT_LIST_NETWORKS_TRANSIENT": 8,
    "VIR_CONNECT_LIST_NETWORKS_AUTOSTART": 16,
    "VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART": 32,
    # storage
    "VIR_STORAGE_POOL_INACTIVE": 0,
    "VIR_STORAGE_POOL_BUILDING": 1,
    "VIR_STORAGE_POOL_RUNNING": 2,
    "VIR_STORAGE_POOL_DEGRADED": 3,
    "VIR_STORAGE_POOL_INACCESSIBLE": 4,
    "VIR_STORAGE_POOL_BUILD_NEW": 0,
    "VIR_STORAGE_POOL_BUILD_REPAIR": 1,
    "VIR_STORAGE_POOL_BUILD_RESIZE": 2,
    "VIR_STORAGE_POOL_BUILD_NO_OVERWRITE": 4,
    "VIR_STORAGE_POOL_BUILD_OVERWRITE": 8,
    "VIR_STORAGE_POOL_DELETE_NORMAL": 0,
    "VIR_STORAGE_POOL_DELETE_ZEROED": 1,
    "VIR_STORAGE_VOL_FILE": 0,
    "VIR_STORAGE_VOL_BLOCK": 1,
    "VIR_STORAGE_VOL_DIR": 2,
    "VIR_STORAGE_VOL_NETWORK": 3,
    "VIR_STORAGE_VOL_NETDIR": 4,
    "VIR_STORAGE_VOL_PLOOP": 5,
    "VIR_STORAGE_VOL_DELETE_NORMAL": 0,
    "VIR_STORAGE_VOL_DELETE_ZEROED": 1,
    "VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS": 2,
    "VIR_STORAGE_XML_INACTIVE": 1,
    "VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE": 1,
    "VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE": 2,
    "VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT": 4,
    "VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT": 8,
    "VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART": 16,
    "VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART": 32,
    "VIR_CONNECT_LIST_STORAGE_POOLS_DIR": 64,
    "VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL": 1 << 9,
    "VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT": 1 << 19,
    # typed parameters
    "VIR_TYPED_PARAM_INT": 1,
    "VIR_TYPED_PARAM_UINT": 2,
    "VIR_TYPED_PARAM_LLONG": 3,
    "VIR_TYPED_PARAM_ULLONG": 4,
    "VIR_TYPED_PARAM_DOUBLE": 5,
    "VIR_TYPED_PARAM_BOOLEAN": 6,
    "VIR_TYPED_PARAM_STRING": 7,
    "VIR_TYPED_PARAM_STRING_OKAY": 4,
    # credentials
    "VIR_CRED_USERNAME": 1,
    "VIR_CRED_AUTHNAME": 2,
    "VIR_CRED_PASSPHRASE": 5,
    "VIR_CRED_EXTERNAL": 9,
    # error levels / domains / codes
    "VIR_ERR_NONE": 0,
    "VIR_ERR_WARNING": 1,
    "VIR_ERR_ERROR": 2,
    "VIR_FROM_NONE": 0,
    "VIR_FROM_XML": 5,
    "VIR_FROM_DOM": 6,
    "VIR_FROM_RPC": 7,
    "VIR_FROM_CONF": 9,
    "VIR_FROM_QEMU": 10,
    "VIR_FROM_TEST": 12,
    "VIR_FROM_STORAGE": 18,
    "VIR_FROM_NETWORK": 19,
    "VIR_FROM_DOMAIN": 20,
    "VIR_ERR_OK": 0,
    "VIR_ERR_INTERNAL_ERROR": 1,
    "VIR_ERR_NO_SUPPORT": 3,
    "VIR_ERR_INVALID_CONN": 6,
    "VIR_ERR_INVALID_ARG": 8,
    "VIR_ERR_OPERATION_FAILED": 9,
    "VIR_ERR_NO_NAME": 21,
    "VIR_ERR_XML_ERROR": 27,
    "VIR_ERR_OPERATION_DENIED": 29,
    "VIR_ERR_XML_DETAIL": 35,
    "VIR_ERR_NO_DOMAIN": 42,
    "VIR_ERR_NO_NETWORK": 43,
    "VIR_ERR_INVALID_STORAGE_VOL": 47,
    "VIR_ERR_NO_STORAGE_POOL": 49,
    "VIR_ERR_NO_STORAGE_VOL": 50,
    "VIR_ERR_OPERATION_INVALID": 55,
    # _LAST sentinels are normally omitted, but these two are real values
    # the reference exports.
    "VIR_DOMAIN_MEMORY_STAT_LAST": 13,
    "VIR_NETWORK_UPDATE_COMMAND_ADD_LAST": 3,
}

# Typed-parameter field names are string constants, not ints.
KNOWN_STR = {
    "VIR_DOMAIN_SCHEDULER_CPU_SHARES": "cpu_shares",
    "VIR_DOMAIN_BLKIO_WEIGHT": "weight",
    "VIR_DOMAIN_MEMORY_HARD_LIMIT": "hard_limit",
    "VIR_MIGRATE_PARAM_URI": "migrate_uri",
    "VIR_NODE_CPU_STATS_KERNEL": "kernel",
    "VIR_CONNECT_IDENTITY_USER_NAME": "user-name",
    "VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC": "total_bytes_sec",
}


@pytest.mark.parametrize("name,value", sorted(KNOWN.items()))
def test_known_int_constant(name, value):
    assert hasattr(libvirt, name), name
    v = getattr(libvirt, name)
    # Plain int like the reference (not bool, not an IntEnum member).
    assert type(v) is int, (name, type(v))
    assert v == value


@pytest.mark.parametrize("name,value", sorted(KNOWN_STR.items()))
def test_known_str_constant(name, value):
    v = getattr(libvirt, name)
    assert type(v) is str
    assert v == value


def test_all_vir_constants_are_int_or_str():
    names = [n for n in dir(libvirt) if n.startswith("VIR_")]
    assert len(names) > 900
    bad = [n for n in names if type(getattr(libvirt, n)) not in (int, str)]
    assert bad == []


def _api_xml():
    """libvirt's own description the build read (the installed libvirt's, or
    the one its sdist bundles: generator.sources)."""
    if ROOT not in sys.path:
        sys.path.append(ROOT)   # after site-packages: the built libvirt wins
    from generator import build
    return ET.parse(build.description(libvirt._core.MODE)[0]["libvirt"]).getroot()


def test_every_enum_of_the_installed_libvirt_is_exported():
    # Independent source of truth: libvirt's own API description.  The
    # reference skips the *_LAST sentinels, so they are not required.
    root = _api_xml()
    enums = {e.get("name"): e.get("value") for e in root.iter("enum")}

    def resolve(v):
        try:
            return int(v, 0)
        except ValueError:
            return resolve(enums[v])  # value given as another enum's name

    missing, wrong = [], []
    for name, raw in enums.items():
        if name.endswith("_LAST"):
            continue
        if not hasattr(libvirt, name):
            missing.append(name)
        elif getattr(libvirt, name) != resolve(raw):
            wrong.append((name, resolve(raw), getattr(libvirt, name)))
    assert missing == []
    assert wrong == []
    assert len(enums) > 900


def test_every_string_macro_of_the_installed_libvirt_is_exported():
    root = _api_xml()
    macros = {m.get("name"): m.get("string") for m in root.iter("macro")
              if m.get("string") is not None}
    assert len(macros) > 100
    missing = [n for n in macros if not hasattr(libvirt, n)]
    wrong = [n for n, s in macros.items()
             if hasattr(libvirt, n) and getattr(libvirt, n) != s]
    assert missing == []
    assert wrong == []
