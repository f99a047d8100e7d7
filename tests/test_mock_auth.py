"""openAuth with credential callbacks, against a test driver whose node
configuration asks for a user name and a password."""

import pytest

import libvirt

NODE_WITH_AUTH = """<node>
  <auth><user password="secret-pass">alice</user></auth>
</node>"""
CREDENTIALS = [libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE]


@pytest.fixture()
def uri(tmp_path):
    config = tmp_path / "node.xml"
    config.write_text(NODE_WITH_AUTH)
    return "test://%s" % config


def answer(user, password, asked):
    def callback(credentials, user_data):
        for credential in credentials:
            asked.append((credential[0], credential[1], user_data))
            credential[4] = user if credential[0] == libvirt.VIR_CRED_AUTHNAME else password
        return 0
    return callback


def test_credentials_are_asked_and_accepted(uri):
    asked = []
    conn = libvirt.openAuth(uri, [CREDENTIALS, answer("alice", "secret-pass", asked), "data"], 0)
    try:
        assert conn.getURI() == uri
    finally:
        conn.close()
    assert [(kind, data) for kind, _prompt, data in asked] == [
        (libvirt.VIR_CRED_AUTHNAME, "data"), (libvirt.VIR_CRED_PASSPHRASE, "data")]
    assert "alice" in asked[1][1]          # libvirt's prompt names the user


def test_wrong_password_is_libvirts_refusal(uri):
    with pytest.raises(libvirt.libvirtError) as caught:
        libvirt.openAuth(uri, [CREDENTIALS, answer("alice", "wrong", []), None], 0)
    assert caught.value.get_error_code() == libvirt.VIR_ERR_AUTH_FAILED


def test_exception_in_the_callback_is_reported_and_refuses(uri, capfd):
    def failing(credentials, user_data):
        raise RuntimeError("raised in a credential callback")
    with pytest.raises(libvirt.libvirtError) as caught:
        libvirt.openAuth(uri, [CREDENTIALS, failing, None], 0)
    assert caught.value.get_error_code() == libvirt.VIR_ERR_AUTH_FAILED
    assert "raised in a credential callback" in capfd.readouterr().err
