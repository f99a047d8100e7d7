"""What this row of the platform matrix has (README, "Platform matrix"):
the build's libvirt XML and the loaded libvirt, for the tests whose
expected outcome follows them rather than skipping."""
import libvirt
from libvirt import _functions

# The oldest libvirt whose test driver the suite's expectations of it were
# proven on; 7.0's lacks e.g. blkio parameters, I/O thread information,
# security labels and domain statistics, and says so (VIR_ERR_NO_SUPPORT).
TEST_DRIVER_PROVEN = (9, 0, 0)


def built_with(c_name):
    """The build's API XML has c_name; where it does not, the binding
    leaves its method out, as libvirt-python of that release does."""
    return _functions.FUNCTIONS.get(c_name, (None, None))[1] is not None


def runtime_has(c_name):
    """The binding can call c_name here: the build's XML has it and the
    loaded libvirt is of its release or newer."""
    since = _functions.FUNCTIONS.get(c_name, (None, None))[1]
    return since is not None and loaded_libvirt() >= tuple(since)


def raised_here(c_name, exception):
    """What a call of c_name's method given bad input raises on this row:
    `exception`, or AttributeError where the build leaves the method out."""
    return exception if built_with(c_name) else AttributeError


def loaded_libvirt():
    major, rest = divmod(libvirt.getVersion(), 1000000)
    return (major,) + divmod(rest, 1000)


def test_driver_answer(call):
    """call()'s result; None where the loaded libvirt predates
    TEST_DRIVER_PROVEN and its test driver refuses the call as
    unsupported (from TEST_DRIVER_PROVEN on, that refusal fails the test)."""
    try:
        return call()
    except libvirt.libvirtError as error:
        if loaded_libvirt() >= TEST_DRIVER_PROVEN \
                or error.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        return None


def test_driver_code(code):
    """The error code a call the test driver implements fails with: `code`,
    or VIR_ERR_NO_SUPPORT on a test driver older than TEST_DRIVER_PROVEN
    that lacks the call."""
    return code if loaded_libvirt() >= TEST_DRIVER_PROVEN else libvirt.VIR_ERR_NO_SUPPORT
